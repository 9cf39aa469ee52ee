/**
 * The simulated clock and the time line of the demo's events. Every service takes its time from `ServiceContext`'s
 * clock; the demo hands the services this clock and moves it to each event's instant before running it, so every
 * row and audit event carries the simulated date, never the wall clock's.
 */
import type { Clock } from '../context.ts';

export const HOUR = 60 * 60 * 1000;
export const DAY = 24 * HOUR;

interface DemoEvent {
  readonly at: number;
  readonly seq: number;
  readonly run: () => Promise<void>;
}

/**
 * Events in time order (ties in the order they were scheduled); an event may schedule later ones. Events after
 * `end` are dropped: the demo stops at its --until date with work in progress, as a live programme would be.
 */
export class Timeline {
  private readonly queue: DemoEvent[] = [];
  private seq = 0;
  private instant: number;

  constructor(
    start: Date,
    readonly end: Date,
  ) {
    this.instant = start.getTime();
  }

  /** The clock the services read: the instant of the event being run. */
  readonly clock: Clock = () => new Date(this.instant);

  /** The current simulated instant. */
  now(): Date {
    return new Date(this.instant);
  }

  /** Schedules `run` at `at` (not before now); false when it falls after the end. */
  schedule(at: Date | number, run: () => Promise<void>): boolean {
    const when = Math.max(typeof at === 'number' ? at : at.getTime(), this.instant);
    if (when > this.end.getTime()) return false;
    const event = { at: when, seq: this.seq++, run };
    // Binary search for the first event that runs after this one: equal instants keep their order.
    let low = 0;
    let high = this.queue.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      const other = this.queue[mid] as DemoEvent;
      if (other.at < event.at || (other.at === event.at && other.seq < event.seq)) low = mid + 1;
      else high = mid;
    }
    this.queue.splice(low, 0, event);
    return true;
  }

  /** Schedules `run` `ms` after now. */
  after(ms: number, run: () => Promise<void>): boolean {
    return this.schedule(this.instant + ms, run);
  }

  /** Moves the clock to the end, once every event has run: what is derived afterwards is as of --until. */
  finish(): void {
    this.instant = Math.max(this.instant, this.end.getTime());
  }

  /** Runs the events in order until none is left. */
  async play(): Promise<void> {
    for (let event = this.queue.shift(); event !== undefined; event = this.queue.shift()) {
      this.instant = event.at;
      await event.run();
    }
  }
}
