import { linksIn } from './spoken.js';
import type OpenAI from 'openai';
import type { ChatCompletionMessageParam, ChatCompletionTool } from 'openai/resources/chat/completions';
import type { AgencyContact, FaqCandidate } from '../protocol/index.js';
import { type CaseSystem, CaseSystemError } from './types.js';
import { unsupportedFacts } from './facts.js';
import type { ReplyScript } from './template.js';

export interface LlmSettings {
  url: string;
  model?: string;
  apiKey?: string;
  /** Total budget for all rounds (tool calls included). */
  timeoutMs: number;
}

export interface LlmScriptInput {
  /** Recent utterances of the call, oldest first, already labelled (民眾：… / 話務員：…). */
  context: readonly string[];
  candidates: readonly FaqCandidate[];
  directory: readonly AgencyContact[];
}

export interface LlmHooks {
  onDelta(delta: string): void;
  /** A tool ran (case-status lookup); the agent sees it as a card. */
  onToolResult(tool: string, result: Record<string, unknown>): void;
  /** Aborts the request when a newer suggestion supersedes this one. */
  signal?: AbortSignal;
}

export type LlmOutcome =
  | { ok: true; script: ReplyScript }
  | {
      ok: false;
      reason:
        'timeout' | 'cancelled' | 'error' | 'no_citation' | 'unknown_citation' | 'unsupported_fact' | 'empty';
      detail: string;
    };

export interface LlmScripter {
  write(input: LlmScriptInput, hooks: LlmHooks): Promise<LlmOutcome>;
}

const SYSTEM_PROMPT = [
  '你是臺北市1999市民當家熱線的話務輔助系統，替話務人員擬一段可以直接唸給民眾聽的回覆。',
  '規則：',
  '1. 只能使用「參考資料」、「機關通訊錄」與工具查詢結果中的內容，不可自行補充；電話、金額、日期、時間、地址與機關名稱必須逐字照抄。',
  '2. 使用口語、有禮貌的臺灣繁體中文，不要打招呼、不要自我介紹。',
  '3. 第一句直接回答問題；需要步驟時，接著每行一步，以「1. 」「2. 」編號，最多四步。',
  '4. 每句話後面用方括號標註出處的編號，例如 [tpe2024-00001]；只能引用參考資料中的編號。',
  '5. 參考資料無法回答時，請民眾洽詢機關通訊錄中的承辦機關，不要猜測。',
  '6. 民眾詢問案件處理進度並說出案件編號時，呼叫 case_status 工具查詢，再依查詢結果回答。',
].join('\n');

const TOOLS: ChatCompletionTool[] = [
  {
    type: 'function',
    function: {
      name: 'case_status',
      description: '以案件編號查詢市府案件系統中案件的處理狀態與承辦機關。',
      parameters: {
        type: 'object',
        properties: { case_no: { type: 'string', description: '案件編號，例如 A1130012345' } },
        required: ['case_no'],
      },
    },
  },
];

const MAX_TOOL_ROUNDS = 2;
const CITATION = /\[([A-Za-z0-9][\w.:-]*)\]/g;

export function buildPrompt(input: LlmScriptInput): ChatCompletionMessageParam[] {
  const entries = input.candidates
    .map((c) => `[${c.faq_id}]（${c.agency}）\n問：${c.question}\n答：${c.answer}`)
    .join('\n\n');
  const directory = input.directory
    .map((d) => `- ${d.agency}${d.phone ? `：電話 ${d.phone}` : ''}${d.hours ? `，服務時間 ${d.hours}` : ''}`)
    .join('\n');
  const user = [
    `通話內容（最近的對話，舊到新）：\n${input.context.join('\n')}`,
    `參考資料：\n${entries || '（無）'}`,
    `機關通訊錄：\n${directory || '（無）'}`,
    '請擬話務人員接下來要說的回覆。',
  ].join('\n\n');
  return [
    { role: 'system', content: SYSTEM_PROMPT },
    { role: 'user', content: user },
  ];
}

/**
 * Reply scripts from an OpenAI-compatible chat endpoint (vLLM, Ollama, llama.cpp, TGI), streamed.
 * The output is trusted only after validation: it must cite, cite only the entries it was given,
 * and every number in it must occur in what it cited, the directory or a tool result.
 */
export function createLlmScripter(settings: LlmSettings, caseSystem: CaseSystem | null): LlmScripter {
  // The client library is loaded with the first script, so a start without an LLM never loads it.
  let client: Promise<OpenAI> | null = null;
  const openai = () =>
    (client ??= import('openai').then(
      ({ default: OpenAI }) =>
        new OpenAI({
          baseURL: settings.url,
          apiKey: settings.apiKey ?? 'not-needed',
          maxRetries: 0,
          timeout: settings.timeoutMs,
        }),
    ));

  async function runTool(name: string, rawArgs: string, hooks: LlmHooks): Promise<string> {
    if (name !== 'case_status' || !caseSystem) return JSON.stringify({ error: `unknown tool ${name}` });
    let caseNo: string;
    try {
      caseNo = String((JSON.parse(rawArgs || '{}') as { case_no?: unknown }).case_no ?? '').trim();
    } catch {
      return JSON.stringify({ error: 'arguments are not JSON' });
    }
    if (!caseNo) return JSON.stringify({ error: 'case_no is required' });
    try {
      const record = await caseSystem.lookup(caseNo);
      const result = record ? { found: true, ...record } : { found: false, case_no: caseNo };
      hooks.onToolResult('case_status', result);
      return JSON.stringify(result);
    } catch (err) {
      const code = err instanceof CaseSystemError ? err.code : 'case_system_error';
      hooks.onToolResult('case_status', { found: false, case_no: caseNo, error: code });
      return JSON.stringify({ error: code });
    }
  }

  return {
    async write(input, hooks) {
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(new Error('timeout')), settings.timeoutMs);
      const onCancel = () => controller.abort(new Error('cancelled'));
      hooks.signal?.addEventListener('abort', onCancel, { once: true });
      const messages = buildPrompt(input);
      const toolSources: string[] = [];
      let text = '';
      try {
        for (let round = 0; round <= MAX_TOOL_ROUNDS; round++) {
          const stream = await (
            await openai()
          ).chat.completions.create(
            {
              model: settings.model ?? 'default',
              messages,
              stream: true,
              temperature: 0.2,
              ...(caseSystem && round < MAX_TOOL_ROUNDS ? { tools: TOOLS } : {}),
            },
            { signal: controller.signal },
          );
          const calls: Array<{ id: string; name: string; args: string }> = [];
          let finish: string | null = null;
          for await (const chunk of stream) {
            const choice = chunk.choices[0];
            if (!choice) continue;
            const delta = choice.delta;
            if (delta.content) {
              text += delta.content;
              hooks.onDelta(delta.content);
            }
            for (const call of delta.tool_calls ?? []) {
              const slot = (calls[call.index] ??= { id: '', name: '', args: '' });
              if (call.id) slot.id = call.id;
              if (call.function?.name) slot.name += call.function.name;
              if (call.function?.arguments) slot.args += call.function.arguments;
            }
            finish = choice.finish_reason ?? finish;
          }
          if (calls.length === 0 || finish === 'stop') break;
          messages.push({
            role: 'assistant',
            content: text || null,
            tool_calls: calls.map((c) => ({
              id: c.id,
              type: 'function',
              function: { name: c.name, arguments: c.args },
            })),
          });
          for (const call of calls) {
            const content = await runTool(call.name, call.args, hooks);
            toolSources.push(content);
            messages.push({ role: 'tool', tool_call_id: call.id, content });
          }
          text = '';
        }
      } catch (err) {
        const reason = controller.signal.aborted
          ? hooks.signal?.aborted
            ? 'cancelled'
            : 'timeout'
          : 'error';
        return { ok: false, reason, detail: (err as Error).message };
      } finally {
        clearTimeout(timer);
        hooks.signal?.removeEventListener('abort', onCancel);
      }
      return validate(text, input, toolSources);
    },
  };
}

/** Checks an LLM script against what it was given; returns the cleaned script or why it failed. */
export function validate(
  raw: string,
  input: LlmScriptInput,
  toolSources: readonly string[] = [],
): LlmOutcome {
  const cited = [...new Set([...raw.matchAll(CITATION)].map((m) => m[1] as string))];
  const text = raw
    .replace(CITATION, '')
    .replace(/[ \t]+\n/g, '\n')
    .trim();
  if (!text) return { ok: false, reason: 'empty', detail: 'no text' };
  const given = new Map(input.candidates.map((c) => [c.faq_id, c]));
  const unknown = cited.filter((id) => !given.has(id));
  if (unknown.length > 0) return { ok: false, reason: 'unknown_citation', detail: unknown.join(',') };
  // A script built only from a tool result or the directory needs no FAQ citation.
  if (cited.length === 0 && toolSources.length === 0)
    return { ok: false, reason: 'no_citation', detail: 'no [faq_id]' };
  const sources = [
    ...cited.map((id) => `${given.get(id)?.question}\n${given.get(id)?.answer}`),
    ...input.directory.map((d) => JSON.stringify(d)),
    ...toolSources,
  ];
  const missing = unsupportedFacts(text, sources);
  if (missing.length > 0) return { ok: false, reason: 'unsupported_fact', detail: missing.join(',') };
  // The cited entries' pages go to the links the agent can send, as for template scripts.
  const links = cited.flatMap((id) => linksIn(given.get(id)?.answer ?? '', given.get(id)?.question ?? ''));
  return { ok: true, script: { text, cited_faq_ids: cited, links } };
}
