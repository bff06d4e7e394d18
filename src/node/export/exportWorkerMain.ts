// The export worker thread's entry (bundled on its own as dist/exportWorker.js; exportLog.ts
// starts it): one job processor, answering each job with its filled-in buffers, transferred back.
import { parentPort } from 'node:worker_threads';
import { makeJobProcessor, type ExportJob } from './worker';

const port = parentPort;
if (!port) throw new Error('exportWorker.js runs as a worker thread of an export');
const processJob = makeJobProcessor();
port.on('message', (job: ExportJob) => {
  try {
    processJob(job);
  } catch (err) {
    job.error = String((err instanceof Error && err.stack) || err);
  }
  port.postMessage(job, [job.buf, job.spans.buffer, job.status.buffer, job.out, job.lens.buffer, job.keys.buffer] as ArrayBuffer[]);
});
