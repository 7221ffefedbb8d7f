import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * Files that take minutes start first, so that the rest of the run packs around them instead of
 * one of them starting near the end and leaving a worker alone with it (a clean clone has no timing
 * cache for vitest's own longest-first order). Paths relative to the repository.
 */
export const SLOW_FIRST = ['tests/deploy/image-recipe.test.ts'];

export default class SlowFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const rank = (spec: TestSpecification) => {
      const index = SLOW_FIRST.findIndex((file) => spec.moduleId.endsWith(`/${file}`));
      return index < 0 ? SLOW_FIRST.length : index;
    };
    return sorted.map((spec, position) => ({ spec, position })).sort((a, b) => rank(a.spec) - rank(b.spec) || a.position - b.position).map(({ spec }) => spec);
  }
}
