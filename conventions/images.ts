/**
 * What "pinned" means for an image reference, one rule for the spec loader and the policy packs
 * (they had two implementations: the policies also took an image id).
 */

/** True when `ref` is pinned: a tag other than `latest`, a digest (`@sha256:…`), or an image id (`sha256:…`). */
export function isPinnedImage(ref: string): boolean {
    if (/@sha256:[a-f0-9]{64}$/.test(ref) || /^sha256:[a-f0-9]{64}$/.test(ref)) return true;
    const lastSegment = ref.split("/").pop() ?? "";
    const colon = lastSegment.lastIndexOf(":");
    if (colon < 0) return false;
    const tag = lastSegment.slice(colon + 1);
    return tag.length > 0 && tag !== "latest";
}
