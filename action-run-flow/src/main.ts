export async function run(): Promise<void> {
  throw new Error('action-run-flow is not implemented yet');
}
