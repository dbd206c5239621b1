// The nightly restart: at the configured time the integrator restarts, so settings saved during the day apply.
import { nextDailyAt } from './schedule.js';

const MAX_TIMER_MS = 2 ** 31 - 1;

export class NightlyRestart {
  private timer: NodeJS.Timeout | null = null;
  /** When it happens next (null: off). */
  at: Date | null = null;

  constructor(
    private readonly now: () => Date,
    private readonly restart: () => void,
  ) {}

  /** Arms the timer for the next `time` ("HH:MM"; empty: off). */
  start(time: unknown): void {
    const at = nextDailyAt(time, this.now());
    this.at = at;
    if (!at) return;
    const arm = () => {
      const ms = (this.at?.getTime() ?? 0) - this.now().getTime();
      this.timer = setTimeout(
        () => {
          // Timers may fire early (long waits are cut to the largest a timer takes): not yet, arm again.
          if (this.now().getTime() + 50 < (this.at?.getTime() ?? 0)) return arm();
          this.restart();
        },
        Math.max(0, Math.min(ms, MAX_TIMER_MS)),
      );
      this.timer.unref();
    };
    arm();
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.at = null;
  }
}
