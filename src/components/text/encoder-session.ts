/** What the text encoders share: their config and one session (loaded now or pooled). */
import type { RunnableSession } from "../../runtime/runnable-session.js";

export abstract class EncoderSession<Config> {
  protected constructor(
    readonly config: Config,
    protected readonly session: RunnableSession,
  ) {}

  async release(): Promise<void> {
    await this.session.release();
  }
}
