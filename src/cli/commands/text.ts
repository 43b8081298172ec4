import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import { lineNormalizer, type RedactionUse } from '../../text/index.js';
import { auditEntry } from '../../store/index.js';
import { cliActor } from '../archive-runtime.js';
import { withTextCli } from '../text-runtime.js';

const USES: readonly RedactionUse[] = ['display', 'archive', 'logs', 'training'];

/** `hotline-assist text normalize|lexicon` — the zh-TW text stage from the shell. */
export function register(program: Command): void {
  const text = program
    .command('text')
    .description('zh-TW text stage: conversion, correction, ITN, punctuation, redaction');

  text
    .command('normalize')
    .description(
      'read lines on stdin, write JSONL {"raw","text","edits","redactions"} on stdout (no "raw" when redacting); the same answers as POST /api/text/normalize',
    )
    .option(
      '--steps <list>',
      'comma-separated steps: s2t,filler,lexicon,itn,punct,redact (default: all but redact)',
    )
    .option('--redact-for <use>', `redaction policy: ${USES.join('|')} (adds the redact step)`)
    .option('--partial', 'lines are partial utterances: no sentence-final punctuation')
    .action(async (opts: { steps?: string; redactFor?: string; partial?: boolean }) => {
      if (opts.redactFor && !USES.includes(opts.redactFor as RedactionUse)) {
        throw Object.assign(new Error(`--redact-for must be one of ${USES.join(', ')}`), {
          code: 'invalid_use',
        });
      }
      const normalize = lineNormalizer({
        steps: opts.steps
          ?.split(',')
          .map((s) => s.trim())
          .filter(Boolean),
        redactFor: opts.redactFor as RedactionUse | undefined,
        final: !opts.partial,
      });
      await withTextCli(async ({ text: stage }) => {
        const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
        for await (const line of lines) process.stdout.write(`${JSON.stringify(normalize(stage, line))}\n`);
      });
    });

  const lexicon = text.command('lexicon').description('lexicon terms (hot-words and correction targets)');
  lexicon
    .command('list', { isDefault: true })
    .description('print every term in use, one per line (the same list as GET /api/text/lexicon)')
    .option('--admin', 'only the admin-added terms')
    .action(async (opts: { admin?: boolean }) => {
      await withTextCli(async ({ text: stage }) => {
        const terms = opts.admin ? stage.adminTerms() : stage.terms();
        process.stdout.write(terms.length ? `${terms.join('\n')}\n` : '');
      });
    });
  lexicon
    .command('add <terms...>')
    .description('add admin terms (saved to HOTLINE_EXTRA_LEXICON_FILE, default <dataDir>/lexicon-extra.txt)')
    .action(async (terms: string[]) => {
      await withTextCli(async ({ text: stage, archive }) => {
        const before = stage.adminTerms().length;
        await stage.addTerms(terms);
        // Into the same keyed audit chain as the server's changes.
        await archive.audit.append(
          auditEntry(cliActor(), 'lexicon.add', { type: 'lexicon', id: null }, { terms: terms.length }),
        );
        console.log(
          `added ${stage.adminTerms().length - before} term(s); ${stage.adminTerms().length} admin terms`,
        );
      });
    });
}
