/**
 * Child process of archive-kill.test.ts: the archive of 16 live calls written at once, as fast as
 * it takes them, printing each item the moment its acknowledgement (the recorder's promise)
 * resolves. stdout to a pipe is synchronous on Linux: a printed line was acknowledged before any
 * SIGKILL that follows it. Usage: node --import tsx test/crash/archive-load.ts <dataDir>
 */
import { join } from 'node:path';
import { createLogger, loadConfig } from '../../src/config/index.js';
import { createArchive } from '../../src/cases/index.js';
import { createRedactingTextDouble } from '../../src/cases/testing/text-double.js';
import { openStore } from '../../src/store/index.js';

const CALLS = 16;
const dataDir = process.argv[2];
if (!dataDir) throw new Error('usage: archive-load.ts <dataDir>');
const config = loadConfig({ env: {}, overrides: { dataDir, logLevel: 'silent' } });
const store = await openStore({ sqliteFile: join(dataDir, 'hotline.db') });
const { recorder } = await createArchive({
  store,
  config,
  text: createRedactingTextDouble(),
  logger: createLogger('silent'),
});
const cases = Array.from({ length: CALLS }, (_, c) => `kill-${c}`);
for (const caseId of cases)
  await recorder.callStarted({
    caseId,
    agentId: 'amy',
    startedAt: new Date(),
    format: 'pcm_s16le',
    sampleRate: 8000,
    channels: 1,
    asrVersion: null,
  });
process.stdout.write('ready\n');

let n = 0;
const ack = (line: string) => () => process.stdout.write(`${line}\n`);
const step = () => {
  for (const caseId of cases) {
    const utteranceId = `u${n}`;
    const startMs = n * 100;
    recorder.callAudio(caseId, [new Int16Array(800).fill(n % 3000)]);
    void recorder
      .utteranceAudio({
        caseId,
        utteranceId,
        speaker: 'caller',
        channel: 0,
        startMs,
        endMs: startMs + 100,
        pcm: new Int16Array(800).fill(n % 3000),
        sampleRate: 8000,
      })
      .then(ack(`audio ${caseId} ${utteranceId}`));
    void recorder
      .event({
        case_id: caseId,
        seq: n + 1,
        ts: Date.now(),
        type: 'final',
        utterance_id: utteranceId,
        text: `第${n}句`,
        corrected_text: `第${n}句。`,
        edits: [],
        start_ms: startMs,
        end_ms: startMs + 100,
        speaker: 'caller',
        channel: 0,
      })
      ?.then(ack(`final ${caseId} ${utteranceId}`));
  }
  n += 1;
  setTimeout(step, 2);
};
step();
