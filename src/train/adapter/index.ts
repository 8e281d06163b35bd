/** Adapters as trainable parameters: modules, initial tensors (from a file or fresh), graph branches on inputs. */
export { TrainableAdapter } from "./trainable-adapter.js";
export { trainableAdapterFromFile, type AdapterFileOptions } from "./from-file.js";
export { freshTrainableAdapter, type FreshAdapterOptions } from "./init.js";
export { TrainableAdapterSet } from "./adapter-set.js";
export { moduleKeys, type MoeModule, type PlainModule, type TrainableModule } from "./modules.js";
export { TrainableAdapterError } from "./errors.js";
