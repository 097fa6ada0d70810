/**
 * A stand-in for Docker's embedded DNS in the real-nginx tests: a UDP server on 127.0.0.1 that
 * answers A queries for the names it knows, every address of a name (a service's replicas), and
 * NXDOMAIN for the rest.
 */
import * as dgram from "dgram";

/** A DNS server answering A queries for `names` (name → IPv4, or every IPv4 of the name), NXDOMAIN for the rest. */
export function dnsServer(names: Map<string, string | string[]>): Promise<dgram.Socket> {
    const sock = dgram.createSocket("udp4");
    sock.on("message", (q, rinfo) => {
        let i = 12;
        const labels: string[] = [];
        while (q[i] !== 0) {
            labels.push(q.subarray(i + 1, i + 1 + q[i]).toString("ascii"));
            i += q[i] + 1;
        }
        const question = q.subarray(12, i + 5);
        const found = names.get(labels.join(".").toLowerCase());
        const ips = found === undefined ? [] : Array.isArray(found) ? found : [found];
        const header = Buffer.alloc(12);
        q.copy(header, 0, 0, 2);
        header.writeUInt16BE(ips.length > 0 ? 0x8180 : 0x8183, 2); // response, recursion available; NXDOMAIN without an answer
        header.writeUInt16BE(1, 4);
        header.writeUInt16BE(ips.length, 6);
        const answers = ips.map((ip) =>
            Buffer.concat([Buffer.from([0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 1, 0, 4]), Buffer.from(ip.split(".").map(Number))]),
        );
        sock.send(Buffer.concat([header, question, ...answers]), rinfo.port, rinfo.address);
    });
    return new Promise((res) => sock.bind(0, "127.0.0.1", () => res(sock)));
}
