import { describeBlobBackend } from './describe-blob-backend.js';
import { MemoryBlobBackend } from './memory-blob-backend.js';

describeBlobBackend('memory', async () => ({ backend: new MemoryBlobBackend() }));
