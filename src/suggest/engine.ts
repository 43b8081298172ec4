import type { Config, Logger } from '../config/index.js';
import type {
  AgencyContact,
  AgencyGuess,
  KnowledgeSearch,
  QueryPart,
  SearchResult,
  Tier,
} from '../knowledge/index.js';
import { queryText } from './call-context.js';
import { extractCaseNumber, questionType, type QuestionType } from './intent.js';
import { createLlmScripter, type LlmScripter, type LlmScriptInput } from './llm.js';
import { buildTemplateScript, type ReplyScript } from './template.js';
import { CaseSystemError, type CaseRecord, type CaseSystem } from './types.js';

/** What one utterance window asks, and what the knowledge base has for it. */
export interface Analysis {
  /** The utterance's own text. */
  text: string;
  /** The words of the retrieval query built from the call context. */
  query: string;
  search: SearchResult;
  /** The search tier, or `procedure` when the caller asks about a case. */
  tier: Tier;
  handoff: AgencyContact | null;
  questionType: QuestionType;
  /** Case number mentioned in the window. */
  caseNo: string | null;
  wantsCaseStatus: boolean;
  agency: AgencyGuess | null;
}

/** Outcome of the case-status tool, as shown on the agent's card. */
export interface CaseLookup {
  case_no: string;
  record: CaseRecord | null;
  error?: string;
}

export interface SuggestEngineOptions {
  knowledge: KnowledgeSearch;
  config: Config;
  caseSystem: CaseSystem;
  logger?: Logger;
  /** Candidates shown and given to the LLM. */
  k?: number;
}

/** The parts the call assistant and the text channel share: analyse, look up, write. */
export interface SuggestEngine {
  analyze(query: string | readonly QueryPart[], text: string, kb?: string): Analysis;
  /** `analyze` with dense retrieval where an embeddings endpoint is configured (finals, the text channel). */
  analyzeAsync(query: string | readonly QueryPart[], text: string, kb?: string): Promise<Analysis>;
  /** Whether `analyzeAsync` can find more than `analyze` (an embeddings endpoint is configured). */
  readonly dense: boolean;
  lookupCase(caseNo: string): Promise<CaseLookup>;
  template(analysis: Analysis, lookup?: CaseLookup | null): ReplyScript;
  /** null when no LLM is configured. */
  readonly llm: LlmScripter | null;
  llmInput(analysis: Analysis, context: readonly string[]): LlmScriptInput;
}

export function toolResult(lookup: CaseLookup): Record<string, unknown> {
  return lookup.record
    ? { found: true, ...lookup.record }
    : { found: false, case_no: lookup.case_no, ...(lookup.error ? { error: lookup.error } : {}) };
}

export function createSuggestEngine(options: SuggestEngineOptions): SuggestEngine {
  const { knowledge, config, caseSystem } = options;
  const k = options.k ?? 5;
  const llm = config.suggest.llmUrl
    ? createLlmScripter(
        {
          url: config.suggest.llmUrl,
          model: config.suggest.llmModel,
          apiKey: config.suggest.llmApiKey,
          timeoutMs: config.suggest.llmTimeoutMs,
        },
        caseSystem,
      )
    : null;

  function analysisOf(search: SearchResult, parts: string | readonly QueryPart[], text: string): Analysis {
    const query = queryText(parts);
    // The current words decide the question type; earlier context only counts when the caller
    // now just gives the case number they were asked for.
    const ownCaseNo = extractCaseNumber(text);
    let type = questionType(text);
    if (type !== 'case_status' && ownCaseNo && questionType(query) === 'case_status') type = 'case_status';
    const wantsCaseStatus = type === 'case_status';
    const caseNo = ownCaseNo ?? (wantsCaseStatus ? extractCaseNumber(query) : null);
    const tier: Tier = wantsCaseStatus ? 'procedure' : search.tier;
    // The knowledge stage names the responsible agency and, for cold results, whom to hand off to.
    const agency = search.agency;
    const handoff = search.handoff;
    return { text, query, search, tier, handoff, questionType: type, caseNo, wantsCaseStatus, agency };
  }

  const dense = Boolean(config.knowledge.embeddingsUrl && knowledge.searchAsync);
  return {
    llm,
    dense,
    analyze: (parts, text, kb) =>
      analysisOf(knowledge.search(parts, { k, ...(kb ? { kb } : {}) }), parts, text),
    async analyzeAsync(parts, text, kb) {
      const options = { k, ...(kb ? { kb } : {}) };
      const search =
        dense && knowledge.searchAsync
          ? await knowledge.searchAsync(parts, options)
          : knowledge.search(parts, options);
      return analysisOf(search, parts, text);
    },
    async lookupCase(caseNo) {
      try {
        return { case_no: caseNo, record: await caseSystem.lookup(caseNo) };
      } catch (err) {
        const code = err instanceof CaseSystemError ? err.code : 'case_system_error';
        options.logger?.warn({ err, case_no: caseNo }, 'case lookup failed');
        return { case_no: caseNo, record: null, error: code };
      }
    },
    template(analysis, lookup) {
      return buildTemplateScript({
        question: analysis.query,
        candidates: analysis.search.results,
        tier: analysis.tier,
        handoff: analysis.handoff,
        caseRecord: lookup?.record ?? null,
        missingCaseNo: lookup && !lookup.record && !lookup.error ? lookup.case_no : null,
        needsCaseNumber: analysis.wantsCaseStatus && !analysis.caseNo,
      });
    },
    llmInput(analysis, context) {
      const agencies = [...new Set(analysis.search.results.map((c) => c.agency))];
      const directory = agencies
        .map((a) => knowledge.agencyContact(a))
        .filter((c): c is AgencyContact => c !== null);
      if (analysis.handoff && !directory.some((d) => d.agency === analysis.handoff?.agency))
        directory.push(analysis.handoff);
      return { context, candidates: analysis.search.results, directory };
    },
  };
}
