export { logEntry, syslogFrame } from './log-fixtures.js';
