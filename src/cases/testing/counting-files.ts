import { nodeJournalFiles, type JournalFileSystem } from '../journal-files.js';

/**
 * Test double of the journals' file-system port, named as such: the real files, with every fsync
 * counted per path, and fsyncs that fail (as a failing disk's do) while `failSyncs` is set.
 */
export function countingJournalFiles(): JournalFileSystem & {
  syncs: Map<string, number>;
  failSyncs: boolean;
} {
  const syncs = new Map<string, number>();
  const files = {
    syncs,
    failSyncs: false,
    mkdir: nodeJournalFiles.mkdir,
    remove: nodeJournalFiles.remove,
    async open(path: string, options?: { durable?: boolean }) {
      const file = await nodeJournalFiles.open(path, options);
      return {
        ...file,
        async sync() {
          if (files.failSyncs) throw Object.assign(new Error('EIO: i/o error, fsync'), { code: 'EIO' });
          syncs.set(path, (syncs.get(path) ?? 0) + 1);
          await file.sync();
        },
      };
    },
  };
  return files;
}
