/** Where the API points ops in the Temporal UI: its address, and the namespace the deals run in. */
export interface TemporalUiConfig {
  /** The UI's base URL; without it the API gives no links into the UI. */
  temporalUiUrl?: string;
  /** `TEMPORAL_NAMESPACE`; `default` when not given. */
  temporalNamespace?: string;
}

/** The Temporal UI page of a workflow, or null when the UI's address is unknown. */
export function workflowUiLink(config: TemporalUiConfig, workflowId: string): string | null {
  if (!config.temporalUiUrl) return null;
  const namespace = encodeURIComponent(config.temporalNamespace ?? 'default');
  return `${config.temporalUiUrl}/namespaces/${namespace}/workflows/${encodeURIComponent(workflowId)}`;
}
