/** The loader's problems and its error: their shape is shared with the plan and the platforms (conventions/problems.ts). */
export * from "../conventions/problems";
