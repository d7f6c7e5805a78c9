/**
 * The results of a scenario execution (`send.scenario`) or a verification flow
 * (`send.verification.flow`) reduced to what an audit needs (compilot.md §2.4, §2.5, §3.5):
 * the overall scenario result and per-object verdicts; per provider check the Scorechain-style
 * risk level and score, IPQualityScore fraud scores, or the error. Credentials and raw provider
 * payloads stay in the event log.
 */
import { isObject, text, type JsonObject } from './eventFacts.js';

export interface RunSummary {
  /** One line, e.g. `valid` or `integratedScorechain: Low Risk (12); ...`. */
  readonly summary: string | null;
  readonly detail: JsonObject;
}

export function summariseRun(
  kind: 'scenario' | 'verification-flow',
  payload: JsonObject,
): RunSummary {
  return kind === 'scenario' ? summariseScenario(payload) : summariseFlow(payload);
}

function summariseScenario(payload: JsonObject): RunSummary {
  const result = text(payload.result);
  const scenarios = list(payload.scenarios).map((scenario) => ({
    scenarioId: text(scenario.scenarioId),
    results: list(scenario.result).map((object) => {
      const verdict = isObject(object.result) ? object.result : {};
      return {
        objectId: text(object.objectId),
        isValid: typeof verdict.is_valid === 'boolean' ? verdict.is_valid : null,
        reasons: Array.isArray(verdict.reasons) ? (verdict.reasons as unknown[]) : [],
      };
    }),
  }));
  return {
    summary: result,
    detail: {
      executionId: text(payload.executionId),
      address: text(payload.address),
      result,
      scenarios,
    },
  };
}

function summariseFlow(payload: JsonObject): RunSummary {
  const checks = list(payload.result).map((check) => {
    const data = isObject(check.data) ? check.data : {};
    const fraud = (key: string): number | null => {
      const part = data[key];
      return isObject(part) && typeof part.fraud_score === 'number' ? part.fraud_score : null;
    };
    const error = isObject(data.error)
      ? (text(data.error.message) ?? text(data.error.error))
      : null;
    return {
      type: text(check.type),
      riskLevel: text(data.riskLevel),
      riskScore: typeof data.riskScore === 'number' ? data.riskScore : null,
      ipFraudScore: fraud('ipVerification'),
      emailFraudScore: fraud('emailVerification'),
      phoneFraudScore: fraud('phoneVerification'),
      error,
    };
  });
  const parts = checks.map((check) => {
    const facts: string[] = [];
    if (check.riskLevel !== null) {
      facts.push(
        check.riskScore === null ? check.riskLevel : `${check.riskLevel} (${check.riskScore})`,
      );
    }
    if (check.ipFraudScore !== null) facts.push(`ip fraud ${check.ipFraudScore}`);
    if (check.emailFraudScore !== null) facts.push(`email fraud ${check.emailFraudScore}`);
    if (check.phoneFraudScore !== null) facts.push(`phone fraud ${check.phoneFraudScore}`);
    if (check.error !== null) facts.push(`error: ${check.error}`);
    return `${check.type ?? 'unknown'}: ${facts.length > 0 ? facts.join(', ') : 'no result'}`;
  });
  return {
    summary: parts.length > 0 ? parts.join('; ') : null,
    detail: { executionId: text(payload.executionId), address: text(payload.address), checks },
  };
}

function list(value: unknown): JsonObject[] {
  return Array.isArray(value) ? (value as unknown[]).filter(isObject) : [];
}
