/** The platforms a stack can deploy to (`tierform:platform`): the model reads the key, the plan and each platform's adapter name them. */
export const PLATFORMS = ["docker", "kubernetes", "aws"] as const;
/** One of {@link PLATFORMS}. */
export type Platform = (typeof PLATFORMS)[number];
