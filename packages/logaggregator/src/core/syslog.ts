/**
 * The one place this package takes the syslog codecs from: the pure RFC 5424
 * parser/formatter and the RFC 6587 framing of `@flynn-ts/host`'s log
 * pipeline (packages/host/src/logs/core), exposed there as the
 * `@flynn-ts/host/syslog` subpath (pure: no I/O, no node:*), so the
 * aggregator and the hosts share one strict, fuzzed implementation.
 */
export { parseRfc5424, encodeRfc5424, FrameDecoder, encodeFrame, timestampToMillis } from '@flynn-ts/host/syslog';
export type { SyslogMessage, SdElement, FrameDecoderOptions } from '@flynn-ts/host/syslog';
