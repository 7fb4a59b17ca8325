import { startTestStack, type TestStack } from './stack';

/** Starts a test stack with one rep for the file's tests and stops it afterwards; read the fields inside tests. */
export function useStackWithRep(): { stack: TestStack; rep: { id: string; token: string } } {
  const ctx = {} as { stack: TestStack; rep: { id: string; token: string } };
  beforeAll(async () => {
    ctx.stack = await startTestStack();
    ctx.rep = await ctx.stack.user('rep');
  });
  afterAll(async () => {
    await ctx.stack?.stop();
  });
  return ctx;
}
