import type { Config, Logger } from '../config/index.js';
import type { KnowledgeSearch } from '../knowledge/types.js';
import { CallHistory, callContextQuery, type QueryBuilder } from './call-context.js';
import {
  createSuggestEngine,
  toolResult,
  type Analysis,
  type CaseLookup,
  type SuggestEngine,
} from './engine.js';
import type { ReplyScript } from './template.js';
import type { FeedbackMessage } from '../protocol/index.js';
import type {
  AssistUtterance,
  LearnFromAgent,
  CallAssistant,
  CallAssistantContext,
  CallAssistantFactory,
  CaseSystem,
  SuggestionBody,
} from './types.js';
import { detectUrgency } from './urgency.js';

export interface CallAssistantFactoryOptions {
  knowledge: KnowledgeSearch;
  config: Config;
  caseSystem: CaseSystem;
  logger?: Logger;
  /** Clock for the refresh policy (tests). */
  now?: () => number;
  /** Retrieval query from the call context; defaults to `callContextQuery`. */
  queryBuilder?: QueryBuilder;
  /** Partials below this recognizer confidence never trigger a refresh. */
  minPartialConfidence?: number;
  /** Adopted and rejected cards go here, with the caller's words they answered (retrieval learns). */
  learn?: LearnFromAgent;
}

/** Card actions retrieval learns from: adopting (or adopting edited) is a yes, rejecting a no. */
const LEARNED_ACTIONS: Partial<Record<FeedbackMessage['action'], 'adopted' | 'rejected'>> = {
  adopt: 'adopted',
  edit: 'adopted',
  reject: 'rejected',
};

/** A partial shorter than this says too little to retrieve on. */
const MIN_PARTIAL_CHARS = 6;

/**
 * One assistant per call. Refresh policy:
 * - every caller final is answered (unless the same utterance id was already answered: idempotent);
 *   an answer identical to the one on screen is not sent again;
 * - a caller partial refreshes a speculative suggestion when it is confident, long enough, changed,
 *   at least `suggest.refreshMs` after the previous refresh, and no final is being answered;
 * - newest wins: a final supersedes an answer still being written (its LLM request is aborted), and
 *   nothing superseded is ever emitted, so suggestions never arrive out of order.
 * Urgency is checked on every caller partial and final (one alert per utterance and kind).
 */
export function createCallAssistantFactory(options: CallAssistantFactoryOptions): CallAssistantFactory {
  const engine = createSuggestEngine(options);
  return (context) => new Assistant(context, engine, options);
}

class Assistant implements CallAssistant {
  private readonly history = new CallHistory();
  private readonly answered = new Map<string, SuggestionBody>();
  private readonly started = new Set<string>();
  private readonly alerted = new Set<string>();
  private readonly lookups = new Map<string, Promise<CaseLookup>>();
  private readonly pending = new Set<Promise<void>>();
  private readonly lastPartialText = new Map<string, string>();
  private readonly now: () => number;
  private readonly refreshMs: number;
  private readonly queryBuilder: QueryBuilder;
  private readonly minConfidence: number;
  private readonly logger: Logger | undefined;
  private readonly unsubscribe: () => void;
  private readonly learn: LearnFromAgent | undefined;
  private generation = 0;
  private inFlight: AbortController | null = null;
  private lastRefreshAt = Number.NEGATIVE_INFINITY;
  private shown: { key: string; body: SuggestionBody } | null = null;
  private closed = false;
  /** No new input once the call ended; pending answers may still land until `closed`. */
  private closing: Promise<void> | null = null;

  constructor(
    private readonly context: CallAssistantContext,
    private readonly engine: SuggestEngine,
    options: CallAssistantFactoryOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.refreshMs = options.config.suggest.refreshMs;
    this.queryBuilder = options.queryBuilder ?? callContextQuery;
    this.minConfidence = options.minPartialConfidence ?? 0.5;
    this.learn = options.learn;
    this.logger = options.logger?.child({ case_id: context.caseId });
    // A new KB version makes the next refresh count as changed, so the desktop gets fresh answers.
    this.unsubscribe = options.knowledge.onUpdated(() => {
      this.shown = this.shown ? { ...this.shown, key: '' } : null;
    });
  }

  onPartial(utterance: AssistUtterance): void {
    if (this.closing !== null || this.started.has(utterance.utteranceId)) return;
    this.checkUrgency(utterance);
    if (utterance.speaker !== 'caller' || this.inFlight) return;
    if (utterance.confidence != null && utterance.confidence < this.minConfidence) return;
    if (utterance.text.length < MIN_PARTIAL_CHARS) return;
    if (this.now() - this.lastRefreshAt < this.refreshMs) return;
    if (this.lastPartialText.get(utterance.utteranceId) === utterance.text) return;
    this.lastPartialText.set(utterance.utteranceId, utterance.text);
    this.lastRefreshAt = this.now();
    const analysis = this.analyze(utterance);
    if (this.keyOf(analysis) === this.shown?.key) return;
    const cached = analysis.caseNo ? this.lookups.get(analysis.caseNo) : undefined;
    // Tools and the LLM wait for the final; a speculative answer is the template's, instantly.
    if (cached || (analysis.wantsCaseStatus && analysis.caseNo)) return;
    this.generation++;
    this.show(utterance, analysis, this.engine.template(analysis), 'template', true);
  }

  onFinal(utterance: AssistUtterance): void {
    if (this.closing !== null || this.started.has(utterance.utteranceId)) return;
    this.started.add(utterance.utteranceId);
    this.history.add(utterance);
    this.checkUrgency(utterance);
    if (utterance.speaker !== 'caller') return;
    this.lastRefreshAt = this.now();
    const generation = ++this.generation;
    this.inFlight?.abort();
    this.inFlight = null;
    if (!this.engine.dense) {
      this.answer(utterance, this.analyze(utterance), generation);
      return;
    }
    // With dense retrieval the final waits for the query vector (bounded by the embedding timeout).
    const parts = this.queryBuilder(this.history.recent(), utterance);
    this.track(
      this.engine.analyzeAsync(parts, utterance.text, this.context.kb).then((analysis) => {
        if (!this.closed && generation === this.generation) this.answer(utterance, analysis, generation);
      }),
    );
  }

  /** Answers a final: the template at once, or tools / the LLM in the background. */
  private answer(utterance: AssistUtterance, analysis: Analysis, generation: number): void {
    const ruleTool = !this.engine.llm && analysis.wantsCaseStatus && analysis.caseNo !== null;
    const useLlm = this.engine.llm !== null && analysis.tier !== 'cold' && analysis.search.results.length > 0;
    if (!ruleTool && !useLlm) {
      this.finish(utterance, analysis, this.engine.template(analysis), 'template');
      return;
    }
    const controller = new AbortController();
    this.inFlight = controller;
    this.track(
      this.answerAsync(utterance, analysis, generation, controller, useLlm).finally(() => {
        if (this.inFlight === controller) this.inFlight = null;
      }),
    );
  }

  /** Work the call's end waits for; failures are logged, never thrown at the caller. */
  private track(work: Promise<void>): void {
    const task: Promise<void> = work
      .catch((err: unknown) => this.logger?.error({ err }, 'suggestion failed'))
      .finally(() => this.pending.delete(task));
    this.pending.add(task);
  }

  suggestionFor(utteranceId: string): SuggestionBody | undefined {
    return this.answered.get(utteranceId);
  }

  onFeedback(message: FeedbackMessage, by: string | null): void {
    const action = LEARNED_ACTIONS[message.action];
    const answered = message.utterance_id ? this.answered.get(message.utterance_id) : undefined;
    // Only a card of a suggestion this call made: its caller's words are what the card answered.
    if (!action || !message.faq_id || !answered || !this.learn) return;
    if (!answered.faq_candidates.some((c) => c.faq_id === message.faq_id)) return;
    this.learn(
      {
        ...(this.context.kb ? { kb: this.context.kb } : {}),
        entryId: message.faq_id,
        text: answered.corrected_text,
        action,
      },
      by,
    ).catch((err: unknown) => this.logger?.warn({ err }, 'learning from agent feedback failed'));
  }

  /** Lets the answer being written finish (bounded by the LLM timeout); nothing is emitted afterwards. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.unsubscribe();
      await Promise.allSettled([...this.pending]);
      this.closed = true;
    })();
    return this.closing;
  }

  private async answerAsync(
    utterance: AssistUtterance,
    analysis: Analysis,
    generation: number,
    controller: AbortController,
    useLlm: boolean,
  ): Promise<void> {
    const current = () => !this.closed && generation === this.generation;
    if (useLlm && this.engine.llm) {
      const outcome = await this.engine.llm.write(this.engine.llmInput(analysis, this.history.lines()), {
        signal: controller.signal,
        onDelta: (delta) => {
          if (current())
            this.context.emit({ type: 'reply_delta', utterance_id: utterance.utteranceId, delta });
        },
        onToolResult: (tool, result) => {
          if (!this.closed)
            this.context.emit({ type: 'tool_result', utterance_id: utterance.utteranceId, tool, result });
        },
      });
      if (outcome.ok) {
        if (current()) this.finish(utterance, analysis, outcome.script, 'llm');
        return;
      }
      if (outcome.reason === 'cancelled' || !current()) return;
      this.logger?.warn(
        { reason: outcome.reason, detail: outcome.detail },
        'LLM script rejected; using the template',
      );
    }
    const lookup =
      analysis.wantsCaseStatus && analysis.caseNo ? await this.lookupOnce(analysis.caseNo, utterance) : null;
    if (current()) this.finish(utterance, analysis, this.engine.template(analysis, lookup), 'template');
  }

  /** One case-system call (and one tool card) per case number per call. */
  private lookupOnce(caseNo: string, utterance: AssistUtterance): Promise<CaseLookup> {
    let lookup = this.lookups.get(caseNo);
    if (!lookup) {
      lookup = this.engine.lookupCase(caseNo).then((result) => {
        if (!this.closed) {
          this.context.emit({
            type: 'tool_result',
            utterance_id: utterance.utteranceId,
            tool: 'case_status',
            result: toolResult(result),
          });
        }
        return result;
      });
      this.lookups.set(caseNo, lookup);
    }
    return lookup;
  }

  private analyze(utterance: AssistUtterance): Analysis {
    return this.engine.analyze(
      this.queryBuilder(this.history.recent(), utterance),
      utterance.text,
      this.context.kb,
    );
  }

  private keyOf(analysis: Analysis): string {
    const ids = analysis.search.results.map((c) => c.faq_id).join(',');
    return `${analysis.search.kb_version}|${analysis.tier}|${ids}|${analysis.caseNo ?? ''}|${analysis.wantsCaseStatus}`;
  }

  /** The final answer for an utterance: sent unless it is exactly what is already on screen. */
  private finish(
    utterance: AssistUtterance,
    analysis: Analysis,
    script: ReplyScript,
    source: 'template' | 'llm',
  ): void {
    const onScreen = this.shown;
    if (
      onScreen &&
      !onScreen.body.speculative &&
      onScreen.key === this.keyOf(analysis) &&
      onScreen.body.reply_script === script.text
    ) {
      this.answered.set(utterance.utteranceId, onScreen.body);
      return;
    }
    this.show(utterance, analysis, script, source, false);
  }

  private show(
    utterance: AssistUtterance,
    analysis: Analysis,
    script: ReplyScript,
    source: 'template' | 'llm',
    speculative: boolean,
  ): void {
    if (this.closed) return;
    const body: SuggestionBody = {
      type: 'suggestion',
      utterance_id: utterance.utteranceId,
      corrected_text: utterance.text,
      faq_candidates: analysis.search.results,
      reply_script: script.text,
      tier: analysis.tier,
      kb_version: analysis.search.kb_version,
      speculative,
      handoff: analysis.tier === 'cold' ? analysis.handoff : null,
      source,
      cited_faq_ids: script.cited_faq_ids,
      intent: {
        agency: analysis.agency?.agency ?? null,
        question_type: analysis.questionType,
        confidence: analysis.agency?.confidence ?? null,
      },
    };
    if (!speculative) this.answered.set(utterance.utteranceId, body);
    this.shown = { key: this.keyOf(analysis), body };
    this.context.emit(body);
  }

  private checkUrgency(utterance: AssistUtterance): void {
    if (utterance.speaker !== 'caller') return;
    const urgency = detectUrgency(utterance.text);
    if (!urgency) return;
    const id = `${utterance.utteranceId}:${urgency.category}`;
    if (this.alerted.has(id)) return;
    this.alerted.add(id);
    this.context.emit({
      type: 'alert',
      utterance_id: utterance.utteranceId,
      level: urgency.level,
      reason: urgency.reason,
      text: utterance.text,
    });
  }
}
