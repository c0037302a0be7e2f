/** Typed views over the reconnecting SSE streams of @flynn-ts/core/http. */
import type { SseMessage, SseStream } from '@flynn-ts/core/http';
import type { ControllerEvent, ExpandedFormation } from '../types.js';

/** Controller events, in id order, each once across reconnects. */
export interface ControllerEventStream extends AsyncIterable<ControllerEvent> {
  /** Ends the stream and frees its connection. */
  close(): void;
  /** The id of the last event received (resume point). */
  readonly lastEventId: string | undefined;
}

export type FormationStreamItem = { type: 'formation'; formation: ExpandedFormation } | { type: 'current' };

export interface MappedStream<T> extends AsyncIterable<T> {
  close(): void;
  readonly lastEventId: string | undefined;
}

/** Maps each `message` event of `stream` with `fn`; `error` events from the server are skipped (the stream reconnects). */
export function mapEventStream<T>(stream: SseStream, fn: (m: SseMessage) => T): MappedStream<T> {
  return {
    close: () => stream.close(),
    get lastEventId() {
      return stream.lastEventId;
    },
    async *[Symbol.asyncIterator]() {
      try {
        for await (const m of stream) {
          if (m.event !== 'message' || m.data === '') continue;
          yield fn(m);
        }
      } finally {
        stream.close();
      }
    },
  };
}
