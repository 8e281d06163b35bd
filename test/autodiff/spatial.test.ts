/**
 * Gradient rules of Conv, InstanceNormalization, Resize and Pad against central finite
 * differences: the VAE's conv shapes (3x3 pad 1, the downsample's stride 2 with right/bottom pad 1,
 * 1x1), odd sizes, symbolic batch and spatial sizes. ONNX Runtime's CPU provider has no float64
 * kernel for Conv, InstanceNormalization or Resize (session creation fails: "Could not find an
 * implementation"), so those cases are float32 with a step of 1e-2 and tolerances 2e-3 (Conv and
 * Resize are linear, so the differences are exact up to float32 rounding). Pad runs in float64.
 */
import { describe, test } from "node:test";
import { attr, ops, type Value } from "../../src/onnx/index.js";
import { engineForTests } from "../onnx/helpers.js";
import { checkGradient } from "./finite-difference.js";
import { withStaticShape } from "./static-shape.js";

const engine = engineForTests();

describe("gradient rules: Conv", () => {
  test("3x3, pad 1, stride 1, with bias: X, W and B", async () => {
    await checkGradient(engine, {
      name: "conv3x3",
      dtype: "f32",
      inputs: { x: { dims: [2, 3, 5, 5] }, w: { dims: [4, 3, 3, 3] }, b: { dims: [4] } },
      build: ({ x, w, b }) => ops.conv(x!, w!, b!, { pads: [1, 1, 1, 1] }),
    });
  });

  test("the VAE downsample: stride 2, pads [0, 0, 1, 1], even size", async () => {
    await checkGradient(engine, {
      name: "conv_down_even",
      dtype: "f32",
      inputs: { x: { dims: [1, 2, 6, 6] }, w: { dims: [3, 2, 3, 3] }, b: { dims: [3] } },
      build: ({ x, w, b }) => ops.conv(x!, w!, b!, { strides: [2, 2], pads: [0, 0, 1, 1] }),
    });
  });

  test("stride 2 with pads [0, 0, 1, 1] on odd sizes 7x5", async () => {
    await checkGradient(engine, {
      name: "conv_down_odd",
      dtype: "f32",
      inputs: { x: { dims: [2, 2, 7, 5] }, w: { dims: [2, 2, 3, 3] } },
      build: ({ x, w }) => ops.conv(x!, w!, null, { strides: [2, 2], pads: [0, 0, 1, 1] }),
    });
  });

  test("stride (2, 1) with pads [1, 0, 0, 2], a 3x2 kernel", async () => {
    await checkGradient(engine, {
      name: "conv_mixed",
      dtype: "f32",
      inputs: { x: { dims: [1, 2, 6, 5] }, w: { dims: [2, 2, 3, 2] }, b: { dims: [2] } },
      build: ({ x, w, b }) => ops.conv(x!, w!, b!, { strides: [2, 1], pads: [1, 0, 0, 2] }),
    });
  });

  test("1x1 without padding (nin_shortcut, attention q/k/v)", async () => {
    await checkGradient(engine, {
      name: "conv1x1",
      dtype: "f32",
      inputs: { x: { dims: [2, 3, 4, 3] }, w: { dims: [5, 3, 1, 1] }, b: { dims: [5] } },
      build: ({ x, w, b }) => ops.conv(x!, w!, b!),
    });
  });

  test("X declared [B, 2, H, W]: 3x3 pad 1 and the stride-2 downsample", async () => {
    for (const [name, strides, pads, out] of [
      ["conv_symbolic", [1, 1], [1, 1, 1, 1], [2, 3, 6, 6]],
      ["conv_symbolic_down", [2, 2], [0, 0, 1, 1], [2, 3, 3, 3]],
    ] as const) {
      await checkGradient(engine, {
        name,
        dtype: "f32",
        inputs: { x: { dims: [2, 2, 6, 6], shape: ["B", 2, "H", "W"] }, w: { dims: [3, 2, 3, 3] }, b: { dims: [3] } },
        build: ({ x, w, b }) => withStaticShape(ops.conv(x!, w!, b!, { strides, pads }), out),
      });
    }
  });
});

/** An InstanceNormalization node. x: [N, C, *spatial], scale and bias [C]. */
function instanceNorm(x: Value, scale: Value, bias: Value, epsilon: number): Value {
  return x.graph.addNode("InstanceNormalization", [x, scale, bias], { epsilon: attr.float(epsilon) })[0] as Value;
}

describe("gradient rules: InstanceNormalization", () => {
  test("[2, 3, 4, 5]: X, Scale and B", async () => {
    await checkGradient(engine, {
      name: "instance_norm",
      dtype: "f32",
      inputs: { x: { dims: [2, 3, 4, 5], lo: -2, hi: 2 }, scale: { dims: [3], lo: 0.5, hi: 1.5 }, bias: { dims: [3] } },
      build: ({ x, scale, bias }) => instanceNorm(x!, scale!, bias!, 1e-5),
      rtol: 5e-3,
    });
  });

  test("GroupNorm's grouped view [B, G, L] declared symbolic, epsilon 0.25", async () => {
    await checkGradient(engine, {
      name: "instance_norm_symbolic",
      dtype: "f32",
      inputs: {
        x: { dims: [2, 2, 6], shape: ["B", 2, "L"], lo: -2, hi: 2 },
        scale: { dims: [2], lo: 0.5, hi: 1.5 },
        bias: { dims: [2] },
      },
      build: ({ x, scale, bias }) => withStaticShape(instanceNorm(x!, scale!, bias!, 0.25), [2, 2, 6]),
      rtol: 5e-3,
    });
  });
});

describe("gradient rules: Resize", () => {
  test("nearest x2 (the VAE upsample) on [1, 2, 3, 4]", async () => {
    await checkGradient(engine, {
      name: "resize2",
      dtype: "f32",
      inputs: { x: { dims: [1, 2, 3, 4] } },
      build: ({ x }) => ops.resizeNearest(x!, 2),
    });
  });

  test("nearest x3 with X declared [B, 2, H, W]", async () => {
    await checkGradient(engine, {
      name: "resize3_symbolic",
      dtype: "f32",
      inputs: { x: { dims: [2, 2, 2, 3], shape: ["B", 2, "H", "W"] } },
      build: ({ x }) => withStaticShape(ops.resizeNearest(x!, 3), [2, 2, 6, 9]),
    });
  });
});

describe("gradient rules: Pad", () => {
  test("constant zeros, asymmetric pads on every axis", async () => {
    await checkGradient(engine, {
      name: "pad_zero",
      dtype: "f64",
      inputs: { x: { dims: [2, 3, 4] } },
      build: ({ x }) => ops.zeroPad(x!, [1, 0, 2, 0, 3, 1]),
    });
  });

  test("X declared [B, 2, H, W] and a pad value that is an input: both gradients", async () => {
    await checkGradient(engine, {
      name: "pad_value_symbolic",
      dtype: "f64",
      inputs: { x: { dims: [2, 2, 3, 3], shape: ["B", 2, "H", "W"] }, value: { dims: [] } },
      build: ({ x, value }) => {
        const pads = ops.constI64(x!.graph, [0, 0, 1, 0, 0, 1, 0, 2], [8], "pads");
        const y = x!.graph.addNode("Pad", [x!, pads, value!], { mode: attr.string("constant") })[0] as Value;
        return withStaticShape(y, [2, 3, 4, 5]);
      },
    });
  });
});
