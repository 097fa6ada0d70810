/**
 * Address ranges and DNS names, one reading for the loader and whatever renders them: what every
 * platform that receives the value accepts, so a spec that loads is not first refused by nginx,
 * Envoy Gateway or AWS.
 *
 * - A CIDR is `address/prefix`: nginx `allow` takes a bare address too, but an ALB `source-ip`
 *   condition ("IPv4 or IPv6 addresses in CIDR format", Elastic Load Balancing User Guide,
 *   listener rule conditions), an EC2 security-group rule's `CidrIpv4`/`CidrIpv6` and an Envoy
 *   Gateway SecurityPolicy's `clientCIDRs` (gateway.envoyproxy.io/v1alpha1 `CIDR`) need the prefix.
 *   Host bits must be zero: `10.20.0.1/16` reads as "the /16 of 10.20.0.1" to one tool and is
 *   refused by another, and most likely means a single address (/32) was intended.
 * - A DNS name follows RFC 1035 §2.3.4 and RFC 1123 §2.1: labels of 1-63 letters, digits and
 *   hyphens, not starting or ending with a hyphen, 253 characters in all; ACM and Route 53 take
 *   lower case (ACM RequestCertificate `DomainName`: 1-253 characters).
 */
import { isIPv4, isIPv6 } from "net";

/** Why `value` is not a CIDR every platform accepts, or undefined when it is one. */
export function cidrProblem(value: string): string | undefined {
    const example = "e.g. 10.0.0.0/8, 203.0.113.7/32 or 2001:db8::/32";
    const m = /^([^/]+)\/(\d{1,3})$/.exec(value);
    if (!m) {
        return isIPv4(value) || isIPv6(value)
            ? `'${value}' is an address without a prefix length; write '${value}/${isIPv4(value) ? 32 : 128}' for that one address`
            : `'${value}' is not a CIDR (address/prefix length, ${example})`;
    }
    const [, address, prefixText] = m;
    const v4 = isIPv4(address);
    if (!v4 && !isIPv6(address)) return `'${value}': '${address}' is not an IPv4 or IPv6 address (${example})`;
    const bits = v4 ? 32 : 128;
    const prefix = Number(prefixText);
    if (prefix > bits) return `'${value}': the prefix length of an ${v4 ? "IPv4" : "IPv6"} range is 0-${bits}, not ${prefix}`;
    const value128 = v4 ? ipv4Bits(address) : ipv6Bits(address);
    const hostMask = (1n << BigInt(bits - prefix)) - 1n;
    if ((value128 & hostMask) !== 0n) {
        const network = value128 & ~hostMask;
        return `'${value}' has host bits set; the range is '${v4 ? ipv4Text(network) : ipv6Text(network)}/${prefix}' (or '${address}/${bits}' for the one address)`;
    }
    return undefined;
}

function ipv4Bits(address: string): bigint {
    return address.split(".").reduce((acc, octet) => (acc << 8n) | BigInt(Number(octet)), 0n);
}

function ipv4Text(n: bigint): string {
    return [24n, 16n, 8n, 0n].map((s) => String((n >> s) & 255n)).join(".");
}

function ipv6Bits(address: string): bigint {
    // An embedded IPv4 tail (::ffff:10.0.0.1) becomes two groups.
    const tail = /(\d+\.\d+\.\d+\.\d+)$/.exec(address);
    let text = address;
    if (tail) {
        const v4 = ipv4Bits(tail[1]);
        text = address.slice(0, -tail[1].length) + `${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
    }
    const [head, rest] = text.split("::");
    const left = head ? head.split(":") : [];
    const right = rest !== undefined && rest !== "" ? rest.split(":") : [];
    const groups = rest === undefined ? left : [...left, ...Array(8 - left.length - right.length).fill("0"), ...right];
    return groups.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g, 16)), 0n);
}

function ipv6Text(n: bigint): string {
    const groups = Array.from({ length: 8 }, (_, i) => ((n >> BigInt(16 * (7 - i))) & 0xffffn).toString(16));
    // RFC 5952 §4.2: the longest run of two or more zero groups becomes '::'.
    let best = { at: -1, length: 1 };
    for (let i = 0; i < 8; i++) {
        let j = i;
        while (j < 8 && groups[j] === "0") j++;
        if (j - i > best.length) best = { at: i, length: j - i };
    }
    if (best.at < 0) return groups.join(":");
    return `${groups.slice(0, best.at).join(":")}::${groups.slice(best.at + best.length).join(":")}`;
}

/** A valid CIDR (see {@link cidrProblem}) as its family, network bits and prefix length. */
function cidrRange(value: string): { v4: boolean; bits: bigint; prefix: number } {
    const [address, prefix] = value.split("/");
    const v4 = isIPv4(address);
    return { v4, bits: v4 ? ipv4Bits(address) : ipv6Bits(address), prefix: Number(prefix) };
}

/** Whether the range `outer` holds every address of `inner` (both valid CIDRs). */
function cidrHolds(outer: string, inner: string): boolean {
    const o = cidrRange(outer);
    const i = cidrRange(inner);
    if (o.v4 !== i.v4 || o.prefix > i.prefix) return false;
    const width = o.v4 ? 32 : 128;
    return i.bits >> BigInt(width - o.prefix) === o.bits >> BigInt(width - o.prefix);
}

/**
 * The addresses in both lists of valid CIDRs, as CIDRs: two ranges are either disjoint or one holds the other, so each
 * pair contributes nothing or the smaller range. In the order of `b`, without a range another one of the result holds.
 */
export function cidrIntersection(a: string[], b: string[]): string[] {
    const found: string[] = [];
    for (const y of b)
        for (const x of a) {
            const both = cidrHolds(x, y) ? y : cidrHolds(y, x) ? x : undefined;
            if (both && !found.includes(both)) found.push(both);
        }
    return found.filter((c, i) => !found.some((d, j) => j !== i && cidrHolds(d, c) && (!cidrHolds(c, d) || j < i)));
}

/** Why `value` is not a DNS name ACM, Route 53 and the edges accept, or undefined when it is one. */
export function dnsNameProblem(value: string): string | undefined {
    const example = "e.g. 'shop.example.com'";
    if (value.length > 253) return `'${value.slice(0, 40)}…' is ${value.length} characters; a DNS name has at most 253`;
    if (value !== value.toLowerCase()) return `'${value}' has upper-case letters; write it in lower case ('${value.toLowerCase()}')`;
    const labels = value.split(".");
    if (labels.length < 2) return `'${value}' is not a DNS name with a domain (${example})`;
    for (const label of labels) {
        if (label.length === 0) return `'${value}' has an empty label (two dots in a row, or a dot at an end)`;
        if (label.length > 63)
            return `'${value}': the label '${label.slice(0, 20)}…' is ${label.length} characters; a label has at most 63`;
        if (!/^[a-z0-9-]+$/.test(label)) return `'${value}': the label '${label}' may hold only a-z, 0-9 and '-' (${example})`;
        if (label.startsWith("-") || label.endsWith("-")) return `'${value}': the label '${label}' starts or ends with '-'`;
    }
    if (!/^[a-z]{2,63}$/.test(labels[labels.length - 1]))
        return `'${value}': the top-level domain '${labels[labels.length - 1]}' must be letters (${example})`;
    return undefined;
}
