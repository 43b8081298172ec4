import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import { createLogger, loadConfig } from '../../config/index.js';
import { createTextNormalizer, parseSteps, type RedactionUse, type TextStage } from '../../text/index.js';

const USES: readonly RedactionUse[] = ['display', 'archive', 'logs', 'training'];

async function openText(): Promise<TextStage> {
  const config = loadConfig();
  // CLI output is for people and pipes: library logs only from warnings up.
  const logger = createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel);
  return createTextNormalizer({ config, logger });
}

/** `hotline-assist text normalize|lexicon` — the zh-TW text stage from the shell. */
export function register(program: Command): void {
  const text = program
    .command('text')
    .description('zh-TW text stage: conversion, correction, ITN, punctuation, redaction');

  text
    .command('normalize')
    .description(
      'read lines on stdin, write JSONL {"raw","text","edits","redactions"} on stdout (no "raw" when redacting)',
    )
    .option(
      '--steps <list>',
      'comma-separated steps: s2t,filler,lexicon,itn,punct,redact (default: all but redact)',
    )
    .option('--redact-for <use>', `redaction policy: ${USES.join('|')} (adds the redact step)`)
    .option('--partial', 'lines are partial utterances: no sentence-final punctuation')
    .action(async (opts: { steps?: string; redactFor?: string; partial?: boolean }) => {
      let steps = opts.steps
        ? parseSteps(
            opts.steps
              .split(',')
              .map((s) => s.trim())
              .filter(Boolean),
          )
        : undefined;
      if (opts.redactFor && !USES.includes(opts.redactFor as RedactionUse)) {
        throw Object.assign(new Error(`--redact-for must be one of ${USES.join(', ')}`), {
          code: 'invalid_use',
        });
      }
      const redactFor = opts.redactFor as RedactionUse | undefined;
      if (redactFor && !steps) steps = ['s2t', 'filler', 'lexicon', 'itn', 'punct', 'redact'];
      else if (redactFor && steps && !steps.includes('redact')) steps = [...steps, 'redact'];
      const stage = await openText();
      const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
      for await (const line of lines) {
        const { raw, ...result } = stage.normalize(line, { steps, redactFor, final: !opts.partial });
        // A redacted line is meant to be kept: it must not carry the original alongside.
        process.stdout.write(`${JSON.stringify(redactFor ? result : { raw, ...result })}\n`);
      }
    });

  const lexicon = text.command('lexicon').description('lexicon terms (hot-words and correction targets)');
  lexicon
    .command('list', { isDefault: true })
    .description('print every term in use, one per line')
    .option('--admin', 'only the admin-added terms')
    .action(async (opts: { admin?: boolean }) => {
      const stage = await openText();
      const terms = opts.admin ? stage.adminTerms() : stage.terms();
      process.stdout.write(terms.length ? `${terms.join('\n')}\n` : '');
    });
  lexicon
    .command('add <terms...>')
    .description('add admin terms (saved to HOTLINE_EXTRA_LEXICON_FILE, default <dataDir>/lexicon-extra.txt)')
    .action(async (terms: string[]) => {
      const stage = await openText();
      const before = stage.adminTerms().length;
      await stage.addTerms(terms);
      console.log(
        `added ${stage.adminTerms().length - before} term(s); ${stage.adminTerms().length} admin terms`,
      );
    });
}
