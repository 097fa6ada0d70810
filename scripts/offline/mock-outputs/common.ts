/** Outputs shared across packages: random values, TLS material. */
export function commonOutputs(type: string, name: string, inputs: Record<string, any>): Record<string, any> {
    switch (type) {
        case "random:index/randomPassword:RandomPassword":
        case "random:index/randomString:RandomString":
            return { result: `mock-${name}-`.padEnd(inputs.length ?? 16, "x").slice(0, inputs.length ?? 16) };
        case "random:index/randomId:RandomId":
            return { hex: "0a1b2c3d", b64Url: "ChssPQ", dec: "169552957" };
        case "tls:index/privateKey:PrivateKey":
            return { privateKeyPem: `-----BEGIN PRIVATE KEY-----\nmock-${name}\n-----END PRIVATE KEY-----\n`, publicKeyPem: "mock-public" };
        case "tls:index/selfSignedCert:SelfSignedCert":
            return { certPem: `-----BEGIN CERTIFICATE-----\nmock-${name}\n-----END CERTIFICATE-----\n` };
        default:
            return {};
    }
}
