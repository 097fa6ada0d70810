/**
 * One problem with the stack's input and the error that lists them all: the shape the loader (model/),
 * the plan's checks (plan/validate.ts) and each platform's own refusals (components/<platform>/system.ts
 * `problems`) share, so a platform reports its problems without importing the model.
 */

/** One problem with the stack's input: where it is (config key or spec path) and what is allowed. */
export interface Problem {
    /** `tierform:<key>`, or `<file>[:line] <spec.path>`, or `tierform:overrides <spec.path>`. */
    where: string;
    message: string;
}

/** Raised before any resource is registered when the configuration or the system spec is invalid. */
export class SpecError extends Error {
    constructor(readonly problems: Problem[]) {
        super(formatProblems(problems));
        this.name = "SpecError";
    }
}

/** Each problem as one indented line, `  - <where>: <message>`, for a heading of the caller's own. */
export function problemLines(problems: Problem[]): string[] {
    return problems.map((p) => `  - ${p.where}: ${p.message}`);
}

/** One problem is one line (`<where>: <message>`); several are one line each, under a heading that counts them. */
export function formatProblems(problems: Problem[]): string {
    const n = problems.length;
    if (n === 1) return `${problems[0].where}: ${problems[0].message}`;
    const lines = problemLines(problems);
    return [`tierform: the stack's configuration is invalid (${n} problem${n === 1 ? "" : "s"}):`, ...lines].join("\n");
}
