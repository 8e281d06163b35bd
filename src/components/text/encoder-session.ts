/** What the text encoders share: their config, one session (loaded now or pooled) and the taps it returns. */
import type { RunnableSession } from "../../runtime/runnable-session.js";

export abstract class EncoderSession<Config> {
  protected constructor(
    readonly config: Config,
    protected readonly session: RunnableSession,
    readonly taps: readonly string[],
  ) {}

  async release(): Promise<void> {
    await this.session.release();
  }
}
