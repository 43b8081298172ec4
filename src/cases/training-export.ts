import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { auditEntry, type AuditRepository, type BlobStore, type CaseRepository } from '../store/index.js';
import type { Actor } from './auth-service.js';
import type { Redactor } from './redaction.js';

export interface ExportReport {
  /** The JSONL file written. */
  manifest: string;
  written: number;
  /** Items left out, by reason (e.g. personal data in the text, audio already purged). */
  skipped: Record<string, number>;
}

export interface TrainingExport {
  /** ASR manifest: `<out>/manifest.jsonl` ({audio_filepath, text, duration}) + `<out>/audio/…wav`. */
  asr(options: { since: number; out: string; actor: Actor }): Promise<ExportReport>;
  /** Chat JSONL of adopted/edited reply scripts with their caller context and FAQ sources: `<out>/replies.jsonl`. */
  replies(options: { since: number; out: string; actor: Actor }): Promise<ExportReport>;
}

const SYSTEM_PROMPT =
  '你是臺北市 1999 市民熱線的客服助理，依據提供的 FAQ 內容，以繁體中文寫出簡潔、正確的回覆話術。';

export function createTrainingExport(deps: {
  cases: CaseRepository;
  blobs: BlobStore;
  audit: AuditRepository;
  redact: Redactor;
}): TrainingExport {
  const { cases, blobs, audit, redact } = deps;
  const skip = (skipped: Record<string, number>, reason: string) => {
    skipped[reason] = (skipped[reason] ?? 0) + 1;
  };
  const log = (actor: Actor, kind: string, since: number, report: ExportReport) =>
    audit.append(
      auditEntry(
        actor,
        `export.${kind}`,
        { type: 'export', id: null },
        {
          since,
          written: report.written,
          skipped: report.skipped,
          out: report.manifest,
        },
      ),
    );

  return {
    async asr({ since, out, actor }) {
      const manifest = join(out, 'manifest.jsonl');
      const skipped: Record<string, number> = {};
      const lines: string[] = [];
      mkdirSync(out, { recursive: true });
      for (const { utterance, segment } of await cases.verifiedUtterances(since)) {
        if (utterance.correctedText === null) {
          skip(skipped, 'text_purged');
          continue;
        }
        // A placeholder would no longer match what is said in the audio: leave such utterances out.
        if (redact(utterance.correctedText, 'training').redacted > 0) {
          skip(skipped, 'personal_data');
          continue;
        }
        const audio =
          segment && segment.format === 'wav' ? await blobs.get(segment.blobKey, segment.sha256) : null;
        if (!segment || !audio) {
          skip(skipped, 'audio_missing');
          continue;
        }
        const file = join(out, 'audio', segment.blobKey.replace(/^cases\//, ''));
        mkdirSync(dirname(file), { recursive: true });
        writeFileSync(file, audio);
        lines.push(
          JSON.stringify({
            audio_filepath: relative(out, file),
            text: utterance.correctedText,
            duration: (segment.endMs - segment.startMs) / 1000,
          }),
        );
      }
      writeFileSync(manifest, lines.map((l) => `${l}\n`).join(''));
      const report = { manifest, written: lines.length, skipped };
      await log(actor, 'asr', since, report);
      return report;
    },

    async replies({ since, out, actor }) {
      const manifest = join(out, 'replies.jsonl');
      const skipped: Record<string, number> = {};
      const lines: string[] = [];
      mkdirSync(out, { recursive: true });
      for (const { feedback, suggestion, utterance } of await cases.adoptedReplies(since)) {
        const reply =
          feedback.action === 'edited' && feedback.text
            ? feedback.text
            : (suggestion?.replyScript ?? feedback.text);
        const context = utterance?.correctedText ?? utterance?.redactedText;
        if (!reply || !context) {
          skip(skipped, 'context_missing');
          continue;
        }
        lines.push(
          JSON.stringify({
            messages: [
              { role: 'system', content: SYSTEM_PROMPT },
              { role: 'user', content: redact(context, 'training').text },
              { role: 'assistant', content: redact(reply, 'training').text },
            ],
            faq_ids: suggestion?.citedFaqIds.length
              ? suggestion.citedFaqIds
              : (suggestion?.faqIds ?? (feedback.faqId ? [feedback.faqId] : [])),
            kb_version: suggestion?.kbVersion ?? null,
            action: feedback.action,
          }),
        );
      }
      writeFileSync(manifest, lines.map((l) => `${l}\n`).join(''));
      const report = { manifest, written: lines.length, skipped };
      await log(actor, 'replies', since, report);
      return report;
    },
  };
}
