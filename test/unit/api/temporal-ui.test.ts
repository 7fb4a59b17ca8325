import { workflowUiLink } from '../../../api/temporal-ui';

describe('links into the Temporal UI', () => {
  it("point at the workflow in the API's namespace", () => {
    expect(workflowUiLink({ temporalUiUrl: 'http://ui:8233', temporalNamespace: 'sales-prod' }, 'opportunity-1')).toBe(
      'http://ui:8233/namespaces/sales-prod/workflows/opportunity-1',
    );
  });

  it('use the default namespace when none is configured', () => {
    expect(workflowUiLink({ temporalUiUrl: 'http://ui:8233' }, 'opportunity-1')).toBe(
      'http://ui:8233/namespaces/default/workflows/opportunity-1',
    );
  });

  it('escape a namespace or workflow id that is not a plain path segment', () => {
    expect(workflowUiLink({ temporalUiUrl: 'http://ui:8233', temporalNamespace: 'a/b' }, 'x y')).toBe(
      'http://ui:8233/namespaces/a%2Fb/workflows/x%20y',
    );
  });

  it('are null when the UI address is unknown', () => {
    expect(workflowUiLink({ temporalNamespace: 'sales-prod' }, 'opportunity-1')).toBeNull();
  });
});
