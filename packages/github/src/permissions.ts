/** The exact `permissions:` block to paste into a job, for messages about a 403. */
export function permissionsBlock(needed: Record<string, 'read' | 'write'>): string {
  const lines = ['permissions:', '  contents: read'];
  for (const [scope, level] of Object.entries(needed)) {
    if (scope !== 'contents') lines.push(`  ${scope}: ${level}`);
  }
  return lines.join('\n');
}

export function httpStatus(error: unknown): number | undefined {
  const status = (error as { status?: unknown } | null)?.status;
  return typeof status === 'number' ? status : undefined;
}
