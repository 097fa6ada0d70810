/**
 * How the coverage note counts public rules: the distinct Checkov, Polaris, kube-score, CIS Docker
 * and awsguard names the policies cite in their sources, without entries marked analogue or intent
 * and without wildcard families (CKV_SECRET_*).
 */
import { policyMeta } from "../../policies/rules";

/** Public-rule prefixes. */
export const PUBLIC_RULE = /^(Checkov CKV2?_|Polaris |kube-score |CIS Docker |awsguard )/;

/** The distinct public rules the named policies cite. */
export function publicRulesOf(names: string[]): Set<string> {
    const out = new Set<string>();
    for (const n of names)
        for (const s of policyMeta[n].sources)
            if (PUBLIC_RULE.test(s) && !/analogue|intent|\*/.test(s)) out.add(s.replace(/\s*\(.*\)$/, ""));
    return out;
}
