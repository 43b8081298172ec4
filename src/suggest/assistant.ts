import { resolvePaths, type Config, type Logger } from '../config/index.js';
import type { KnowledgeSearch } from '../knowledge/index.js';
import { CallHistory, callContextQuery, type QueryBuilder } from './call-context.js';
import {
  createSuggestEngine,
  toolResult,
  type Analysis,
  type CaseLookup,
  type SuggestEngine,
} from './engine.js';
import type { ReplyScript } from './template.js';
import { learnedVerdictOf, type FeedbackMessage } from '../protocol/index.js';
import type {
  AssistUtterance,
  LearnFromAgent,
  CallAssistant,
  CallAssistantContext,
  CallAssistantFactory,
  CaseSystem,
  SuggestionBody,
} from './types.js';
import { bundledUrgencyDetector, type Urgency } from './urgency.js';
import { urgentAlert } from './urgency-protocols.js';

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

/** A partial shorter than this says too little to retrieve on. */
const MIN_PARTIAL_CHARS = 6;

/**
 * One assistant per call. Refresh policy:
 * - every caller final is answered (unless the same utterance id was already answered: idempotent),
 *   even when the answer equals the one on screen: a newer question always refreshes the panel;
 * - a caller partial refreshes a speculative suggestion when it is confident, long enough, changed,
 *   at least `suggest.refreshMs` after the previous refresh, and no final is being answered;
 * - newest wins: a final supersedes an answer still being written (its LLM request is aborted), and
 *   nothing superseded is ever emitted, so suggestions never arrive out of order.
 * Urgency is checked on every caller partial and final (one alert per utterance and kind); the
 * suggestion for an urgent final carries the alert's script instead of an FAQ answer.
 */
export function createCallAssistantFactory(options: CallAssistantFactoryOptions): CallAssistantFactory {
  const engine = createSuggestEngine(options);
  // Built now, not in the middle of the first call (its classifier loaded from the data dir when
  // an earlier start trained it on the same files).
  bundledUrgencyDetector(resolvePaths(options.config).urgencyCacheDir);
  return (context) => new Assistant(context, engine, options);
}

class Assistant implements CallAssistant {
  private readonly history = new CallHistory();
  private readonly answered = new Map<string, SuggestionBody>();
  private readonly started = new Set<string>();
  private readonly alerted = new Set<string>();
  /** The urgency found in each caller final, so its suggestion carries the alert's script. */
  private readonly urgent = new Map<string, Urgency>();
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
    context.signal?.addEventListener('abort', () => this.stop(), { once: true });
  }

  /** The call was aborted: the answer being written is cancelled and nothing is emitted any more. */
  private stop(): void {
    this.closed = true;
    this.inFlight?.abort();
    this.inFlight = null;
    this.unsubscribe();
    this.closing ??= Promise.resolve();
  }

  onPartial(utterance: AssistUtterance): void {
    if (this.closing !== null || this.started.has(utterance.utteranceId)) return;
    const urgency = this.checkUrgency(utterance, true);
    if (utterance.speaker !== 'caller' || this.inFlight) return;
    if (utterance.confidence != null && utterance.confidence < this.minConfidence) return;
    if (utterance.text.length < MIN_PARTIAL_CHARS) return;
    if (this.now() - this.lastRefreshAt < this.refreshMs) return;
    if (this.lastPartialText.get(utterance.utteranceId) === utterance.text) return;
    this.lastPartialText.set(utterance.utteranceId, utterance.text);
    this.lastRefreshAt = this.now();
    const analysis = this.analyze(utterance);
    if (this.keyOf(utterance, analysis) === this.shown?.key) return;
    const cached = analysis.caseNo ? this.lookups.get(analysis.caseNo) : undefined;
    // Tools and the LLM wait for the final; a speculative answer is the template's, instantly.
    if (cached || (analysis.wantsCaseStatus && analysis.caseNo)) return;
    this.generation++;
    const script = urgency ? this.urgentScript(urgency) : this.engine.template(analysis);
    this.show(utterance, analysis, script, 'template', true, urgency);
  }

  onFinal(utterance: AssistUtterance): void {
    if (this.closing !== null || this.started.has(utterance.utteranceId)) return;
    this.started.add(utterance.utteranceId);
    this.history.add(utterance);
    const urgency = this.checkUrgency(utterance, false);
    if (urgency) this.urgent.set(utterance.utteranceId, urgency);
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
    // An urgent turn is answered with its protocol script at once: no tools, no LLM.
    const urgency = this.urgent.get(utterance.utteranceId);
    const ruleTool = !urgency && !this.engine.llm && analysis.wantsCaseStatus && analysis.caseNo !== null;
    const useLlm =
      !urgency && this.engine.llm !== null && analysis.tier !== 'cold' && analysis.search.results.length > 0;
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
    const action = learnedVerdictOf[message.action];
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

  /**
   * Lets the answer being written finish (bounded by the LLM timeout), unless the call is aborted
   * meanwhile; nothing is emitted afterwards.
   */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.unsubscribe();
      const aborted = new Promise<void>((resolve) => {
        if (this.context.signal?.aborted) resolve();
        this.context.signal?.addEventListener('abort', () => resolve(), { once: true });
      });
      await Promise.race([Promise.allSettled([...this.pending]), aborted]);
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

  /** What is on screen, per utterance: a newer utterance is always a change, whatever its answer. */
  private keyOf(utterance: AssistUtterance, analysis: Analysis): string {
    const ids = analysis.search.results.map((c) => c.faq_id).join(',');
    return `${utterance.utteranceId}|${analysis.search.kb_version}|${analysis.tier}|${ids}|${analysis.caseNo ?? ''}|${analysis.wantsCaseStatus}`;
  }

  /** The final answer for an utterance, always sent: the caller asked something new. */
  private finish(
    utterance: AssistUtterance,
    analysis: Analysis,
    script: ReplyScript,
    source: 'template' | 'llm',
  ): void {
    const urgency = this.urgent.get(utterance.utteranceId);
    // An emergency is not an FAQ question: the agent gets the alert's script to read.
    this.show(
      utterance,
      analysis,
      urgency ? this.urgentScript(urgency) : script,
      source,
      false,
      urgency ?? null,
    );
  }

  private urgentScript(urgency: Urgency): ReplyScript {
    return { text: urgentAlert(urgency).script, cited_faq_ids: [], links: [] };
  }

  private show(
    utterance: AssistUtterance,
    analysis: Analysis,
    script: ReplyScript,
    source: 'template' | 'llm',
    speculative: boolean,
    urgency: Urgency | null = null,
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
      handoff: analysis.tier === 'cold' && !urgency ? analysis.handoff : null,
      source,
      cited_faq_ids: script.cited_faq_ids,
      intent: {
        agency: analysis.agency?.agency ?? null,
        question_type: analysis.questionType,
        confidence: analysis.agency?.confidence ?? null,
      },
      links: script.links,
      urgent: urgency ? { category: urgency.category, protocol: urgency.protocol } : null,
    };
    if (!speculative) this.answered.set(utterance.utteranceId, body);
    this.shown = { key: this.keyOf(utterance, analysis), body };
    this.context.emit(body);
  }

  private checkUrgency(utterance: AssistUtterance, partial: boolean): Urgency | null {
    if (utterance.speaker !== 'caller') return null;
    const urgency = bundledUrgencyDetector().detect(utterance.text, { partial });
    if (!urgency) return null;
    const id = `${utterance.utteranceId}:${urgency.category}`;
    if (this.alerted.has(id)) return urgency;
    this.alerted.add(id);
    this.context.emit({
      type: 'alert',
      utterance_id: utterance.utteranceId,
      ...urgentAlert(urgency),
      reason: urgency.reason,
      text: utterance.text,
    });
    return urgency;
  }
}
