/// ITU-T G.711 µ-law and A-law companding, bit-exact with the ITU-T G.191 reference code.
///
/// The per-sample functions ``muLaw(_:)``, ``aLaw(_:)``, ``linear(muLaw:)``, ``linear(aLaw:)``
/// follow the reference algorithm directly. The buffer functions use tables built from those
/// functions once per process (16 KiB + 4 KiB + 2 × 512 B, resident in L1 cache), so the hot path
/// is one load per sample. µ-law output depends only on `sample >> 2` (14-bit input) and A-law
/// only on `sample >> 4`, so the tables are exact for every 16-bit input.
public enum G711 {
    // MARK: Reference algorithm (ITU-T G.191, g711.c)

    /// Encodes one 16-bit sample as µ-law (G.711 §2; 14-bit magnitude, bias 33).
    public static func muLaw(_ sample: Int16) -> UInt8 {
        // Negative values use the one's complement, as in the reference: (~x) >> 2.
        let magnitude14 = Int32(sample < 0 ? ~sample : sample) >> 2
        let biased = min(magnitude14 + 33, 0x1FFF)
        var segment: Int32 = 1
        var rest = biased >> 6
        while rest != 0 {
            segment += 1
            rest >>= 1
        }
        let high = 0x08 - segment
        let low = 0x0F - ((biased >> segment) & 0x0F)
        var code = (high << 4) | low
        if sample >= 0 { code |= 0x80 }
        return UInt8(truncatingIfNeeded: code)
    }

    /// Decodes one µ-law code to a 16-bit sample.
    public static func linear(muLaw code: UInt8) -> Int16 {
        let sign: Int32 = code < 0x80 ? -1 : 1
        let inverted = Int32(~code)
        let exponent = (inverted >> 4) & 0x07
        let mantissa = inverted & 0x0F
        let step: Int32 = 4 << (exponent + 1)
        return Int16(sign * ((0x80 << exponent) + step * mantissa + step / 2 - 4 * 33))
    }

    /// Encodes one 16-bit sample as A-law (G.711 §3; even bits inverted).
    public static func aLaw(_ sample: Int16) -> UInt8 {
        var ix = Int32(sample < 0 ? ~sample : sample) >> 4
        if ix > 15 {
            var exponent: Int32 = 1
            while ix > 16 + 15 {
                ix >>= 1
                exponent += 1
            }
            ix -= 16
            ix += exponent << 4
        }
        if sample >= 0 { ix |= 0x80 }
        return UInt8(truncatingIfNeeded: ix ^ 0x55)
    }

    /// Decodes one A-law code to a 16-bit sample.
    public static func linear(aLaw code: UInt8) -> Int16 {
        let ix = Int32(code ^ 0x55) & 0x7F
        let exponent = ix >> 4
        var mantissa = ix & 0x0F
        if exponent > 0 { mantissa += 16 }
        mantissa = (mantissa << 4) + 0x08
        if exponent > 1 { mantissa <<= exponent - 1 }
        return Int16(code > 127 ? mantissa : -mantissa)
    }

    // MARK: Buffers (table driven)

    /// Encodes `count` samples as µ-law.
    public static func encodeMuLaw(_ input: UnsafePointer<Int16>, into output: UnsafeMutablePointer<UInt8>, count: Int) {
        let table = G711Tables.shared.muLawEncode
        for i in 0..<count { output[i] = table[Int(UInt16(bitPattern: input[i]) >> 2)] }
    }

    /// Decodes `count` µ-law codes.
    public static func decodeMuLaw(_ input: UnsafePointer<UInt8>, into output: UnsafeMutablePointer<Int16>, count: Int) {
        let table = G711Tables.shared.muLawDecode
        for i in 0..<count { output[i] = table[Int(input[i])] }
    }

    /// Encodes `count` samples as A-law.
    public static func encodeALaw(_ input: UnsafePointer<Int16>, into output: UnsafeMutablePointer<UInt8>, count: Int) {
        let table = G711Tables.shared.aLawEncode
        for i in 0..<count { output[i] = table[Int(UInt16(bitPattern: input[i]) >> 4)] }
    }

    /// Decodes `count` A-law codes.
    public static func decodeALaw(_ input: UnsafePointer<UInt8>, into output: UnsafeMutablePointer<Int16>, count: Int) {
        let table = G711Tables.shared.aLawDecode
        for i in 0..<count { output[i] = table[Int(input[i])] }
    }
}

/// Lookup tables built once from the reference functions. Immutable after initialization.
public final class G711Tables: @unchecked Sendable {
    /// The process-wide tables (constant data, built on first use).
    public static let shared = G711Tables()

    /// µ-law code by `UInt16(bitPattern: sample) >> 2`.
    public let muLawEncode: UnsafeMutablePointer<UInt8>
    /// A-law code by `UInt16(bitPattern: sample) >> 4`.
    public let aLawEncode: UnsafeMutablePointer<UInt8>
    /// Sample by µ-law code.
    public let muLawDecode: UnsafeMutablePointer<Int16>
    /// Sample by A-law code.
    public let aLawDecode: UnsafeMutablePointer<Int16>

    private init() {
        muLawEncode = .allocate(capacity: 1 << 14)
        aLawEncode = .allocate(capacity: 1 << 12)
        muLawDecode = .allocate(capacity: 256)
        aLawDecode = .allocate(capacity: 256)
        for index in 0..<(1 << 14) {
            muLawEncode[index] = G711.muLaw(Int16(bitPattern: UInt16(index << 2)))
        }
        for index in 0..<(1 << 12) {
            aLawEncode[index] = G711.aLaw(Int16(bitPattern: UInt16(index << 4)))
        }
        for code in 0..<256 {
            muLawDecode[code] = G711.linear(muLaw: UInt8(code))
            aLawDecode[code] = G711.linear(aLaw: UInt8(code))
        }
    }
}
