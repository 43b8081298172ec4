import { randomUUID } from 'node:crypto';
import type { Config, Logger } from '../config/index.js';
import type { AgencyContact, AgencyGuess, FaqCandidate, KnowledgeSearch, Tier } from '../knowledge/index.js';
import type { UrgentAlert } from '../protocol/index.js';
import type { ConversationLog, ConversationOwner } from './ports.js';
import { callContextQuery } from './call-context.js';
import { createSuggestEngine, toolResult, type CaseLookup } from './engine.js';
import type { ReplyScript } from './template.js';
import type { AssistUtterance, CaseSystem } from './types.js';
import type { Link } from './spoken.js';
import { detectUrgency } from './urgency.js';
import { urgentAlert } from './urgency-protocols.js';

export interface ConversationAnswer {
  answer: string;
  /** The same cards a call's suggestion shows (confidence, tier, matched words, similar question). */
  faq_candidates: FaqCandidate[];
  tier: Tier;
  /** The responsible agency by the router, with its confidence. */
  agency: AgencyGuess | null;
  /** For `cold`: who to contact instead of a guess. */
  handoff: AgencyContact | null;
  cited_faq_ids: string[];
  source: 'template' | 'llm';
  /** The case-status tool's result, when the question was about a case. */
  case_status: Record<string, unknown> | null;
  /** Urgency found in the question (as call alerts carry it); the answer is then its script. */
  alerts: UrgentAlert[];
  /** Web pages and forms of the cited entry, kept out of the answer text. */
  links: Link[];
}

export interface ConversationTurn {
  role: 'user' | 'assistant';
  text: string;
  tier: string | null;
  faq_ids: string[];
  created_at: string;
}

export class ConversationError extends Error {
  constructor(
    readonly code: 'unknown_conversation' | 'invalid_text',
    message: string,
  ) {
    super(message);
  }
}

export interface ConversationService {
  /** `owner`: who may continue and read it (checked by the caller, see `owner()`). */
  create(options?: { kb?: string; owner?: ConversationOwner }): Promise<{ conversation_id: string }>;
  /** Who opened the conversation (null for ones stored before owners were kept). */
  owner(conversationId: string): Promise<ConversationOwner | null>;
  query(conversationId: string, text: string): Promise<ConversationAnswer>;
  history(conversationId: string): Promise<{ conversation_id: string; turns: ConversationTurn[] }>;
}

export interface ConversationServiceOptions {
  knowledge: KnowledgeSearch;
  config: Config;
  caseSystem: CaseSystem;
  repository: ConversationLog;
  logger?: Logger;
  now?: () => number;
}

const MAX_TEXT_CHARS = 2000;
/** Earlier questions that still shape a follow-up ("那要帶什麼？"). */
const MEMORY_TURNS = 6;

/**
 * The same engine as the call assistant, over text: each question is answered with the call
 * context built from the conversation's earlier questions, and stored with its answer.
 */
export function createConversationService(options: ConversationServiceOptions): ConversationService {
  const engine = createSuggestEngine(options);
  const now = options.now ?? Date.now;
  const repo = options.repository;

  async function requireConversation(id: string) {
    const conversation = await repo.get(id);
    if (!conversation) throw new ConversationError('unknown_conversation', `no conversation ${id}`);
    return conversation;
  }

  return {
    async create(opts = {}) {
      const id = randomUUID();
      await repo.create(id, opts.kb ?? null, now(), opts.owner);
      return { conversation_id: id };
    },

    async owner(conversationId) {
      return (await requireConversation(conversationId)).owner;
    },

    async query(conversationId, rawText) {
      const text = rawText.trim();
      if (!text) throw new ConversationError('invalid_text', 'text is empty');
      if (text.length > MAX_TEXT_CHARS)
        throw new ConversationError('invalid_text', `text is longer than ${MAX_TEXT_CHARS} characters`);
      const conversation = await requireConversation(conversationId);
      const earlier = (await repo.turns(conversationId))
        .filter((t) => t.role === 'user')
        .slice(-MEMORY_TURNS);
      // Turns as utterances, a second apart, so the call-context query builder applies unchanged.
      const asUtterance = (t: { text: string }, i: number): AssistUtterance => ({
        utteranceId: `t${i}`,
        text: t.text,
        speaker: 'caller',
        startMs: i * 1000,
        endMs: i * 1000 + 500,
      });
      const history = earlier.map(asUtterance);
      const current = asUtterance({ text }, history.length);
      const analysis = await engine.analyzeAsync(
        callContextQuery(history, current),
        text,
        conversation.kb ?? undefined,
      );
      const urgency = detectUrgency(text);
      const alerts = urgency ? [urgentAlert(urgency)] : [];

      let lookup: CaseLookup | null = null;
      let toolCard: Record<string, unknown> | null = null;
      if (!urgency && analysis.wantsCaseStatus && analysis.caseNo)
        lookup = await engine.lookupCase(analysis.caseNo);
      let script: ReplyScript | null = null;
      let source: 'template' | 'llm' = 'template';
      if (
        !urgency &&
        engine.llm &&
        !lookup &&
        analysis.tier !== 'cold' &&
        analysis.search.results.length > 0
      ) {
        const outcome = await engine.llm.write(
          engine.llmInput(
            analysis,
            [...history, current].map((u) => `民眾：${u.text}`),
          ),
          {
            onDelta: () => {},
            onToolResult: (_tool, result) => {
              toolCard = result;
            },
          },
        );
        if (outcome.ok) {
          script = outcome.script;
          source = 'llm';
        } else
          options.logger?.warn(
            { reason: outcome.reason, detail: outcome.detail },
            'LLM answer rejected; using the template',
          );
      }
      // Someone in danger gets what to do now, not an FAQ answer or a hand-off.
      if (alerts[0]) script = { text: alerts[0].script, cited_faq_ids: [], links: [] };
      script ??= engine.template(analysis, lookup);
      const answer: ConversationAnswer = {
        answer: script.text,
        faq_candidates: analysis.search.results,
        tier: analysis.tier,
        agency: analysis.search.agency,
        handoff: analysis.tier === 'cold' && !urgency ? analysis.handoff : null,
        cited_faq_ids: script.cited_faq_ids,
        source,
        case_status: lookup ? toolResult(lookup) : toolCard,
        alerts,
        links: script.links,
      };
      await repo.append(
        conversationId,
        [
          { role: 'user', text },
          { role: 'assistant', text: answer.answer, tier: answer.tier, faq_ids: answer.cited_faq_ids },
        ],
        now(),
      );
      return answer;
    },

    async history(conversationId) {
      await requireConversation(conversationId);
      const turns = await repo.turns(conversationId);
      return {
        conversation_id: conversationId,
        turns: turns.map((t) => ({
          role: t.role,
          text: t.text,
          tier: t.tier,
          faq_ids: t.faq_ids,
          created_at: new Date(t.created_at).toISOString(),
        })),
      };
    },
  };
}
