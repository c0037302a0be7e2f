export { fakeNetlinkSocket, FakeNetlinkSocket, ack, errorReply, reply, multipart } from './fake-socket.js';
export type { FakeHandler, FakeReply } from './fake-socket.js';
