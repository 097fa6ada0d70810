/**
 * The intersection of two CIDR lists (conventions/network.ts `cidrIntersection`), which a blue-green's preview of an
 * allow-listed route is restricted to: the addresses in both lists, never one more.
 */
import { strict as assert } from "assert";
import { cidrIntersection } from "../../conventions/network";

/** Whether IPv4 `address` (a 32-bit number) is in `cidr`: an implementation of its own, by unsigned arithmetic. */
function inV4(address: number, cidr: string): boolean {
    const [net, prefix] = cidr.split("/");
    if (net.includes(":")) return false;
    const base = net.split(".").reduce((acc, o) => acc * 256 + Number(o), 0);
    const size = 2 ** (32 - Number(prefix));
    return address >= base && address < base + size;
}

/** A pseudo-random generator with a seed, so a failure repeats. */
function random(seed: number): () => number {
    let s = seed;
    return () => {
        s = (s * 1103515245 + 12345) % 2 ** 31;
        return s / 2 ** 31;
    };
}

describe("conventions: the intersection of CIDR lists", () => {
    it("nested ranges give the smaller, disjoint ones nothing, families never mix; no range the result already holds", () => {
        assert.deepEqual(cidrIntersection(["10.0.0.0/8", "192.168.0.0/16"], ["10.20.0.0/16", "203.0.113.0/24", "192.0.0.0/8"]), [
            "10.20.0.0/16",
            "192.168.0.0/16",
        ]);
        assert.deepEqual(cidrIntersection(["203.0.113.7/32"], ["0.0.0.0/0"]), ["203.0.113.7/32"]);
        assert.deepEqual(cidrIntersection(["10.0.0.0/8"], ["2001:db8::/32", "::/0"]), []);
        assert.deepEqual(cidrIntersection(["2001:db8::/32", "0.0.0.0/0"], ["2001:db8:1::/48", "10.1.0.0/16", "::/0"]), [
            "10.1.0.0/16",
            "2001:db8::/32",
        ]);
        assert.deepEqual(cidrIntersection(["10.0.0.0/8"], ["10.1.0.0/16", "10.1.2.0/24"]), ["10.1.0.0/16"]);
    });

    it("an address is in the result exactly when it is in both lists (random IPv4 lists, sampled addresses)", () => {
        const next = random(22);
        const list = () =>
            Array.from({ length: 1 + Math.floor(next() * 3) }, () => {
                const prefix = 8 + Math.floor(next() * 17); // /8 ... /24, all inside 10.0.0.0/8 or 11.0.0.0/8
                const address = (10 + Math.floor(next() * 2)) * 2 ** 24 + Math.floor(next() * 2 ** 24);
                const base = address - (address % 2 ** (32 - prefix));
                return `${[24, 16, 8, 0].map((s) => Math.floor(base / 2 ** s) % 256).join(".")}/${prefix}`;
            });
        let inBoth = 0;
        for (let round = 0; round < 200; round++) {
            const [a, b] = [list(), list()];
            const both = cidrIntersection(a, b);
            const around = [...a, ...b].map((c) => c.split("/")[0]);
            for (let k = 0; k < 50; k++) {
                // Half the samples near a range's start, so the small ranges are hit too.
                const near = around[Math.floor(next() * around.length)].split(".").reduce((acc, o) => acc * 256 + Number(o), 0);
                const address = k % 2 ? near + Math.floor(next() * 4096) : 10 * 2 ** 24 + Math.floor(next() * 2 ** 25);
                const expected = a.some((c) => inV4(address, c)) && b.some((c) => inV4(address, c));
                if (expected) inBoth++;
                assert.equal(
                    both.some((c) => inV4(address, c)),
                    expected,
                    `${address} with ${a} and ${b}: ${both}`,
                );
            }
        }
        assert.ok(inBoth > 100, `only ${inBoth} samples in both lists: the check would prove little`);
    });
});
