/** One event stream to several sinks (a recorder and a judge, a judge and a collector). */
import type { EventSink, MachineEvent } from '../core/events.js';

export class EventTee implements EventSink {
  constructor(private readonly sinks: readonly EventSink[]) {}

  emit(e: MachineEvent): void {
    for (const s of this.sinks) s.emit(e);
  }
}
