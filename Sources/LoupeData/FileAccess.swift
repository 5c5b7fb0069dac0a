import Foundation
import LoupeTensor

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads a whole file into memory, throwing a one-line `.io` error naming it.
func readFileBytes(_ path: String) throws -> [UInt8] {
    [UInt8](try RegularFile.contents(path))
}

/// A read-only file read at offsets (`pread`), safe to share between threads.
final class RandomAccessFile: @unchecked Sendable {
    let path: String
    let size: Int
    private let descriptor: Int32

    /// Opens the file for reading.
    init(path: String) throws {
        self.path = path
        let (descriptor, info) = try RegularFile.open(path)
        self.descriptor = descriptor
        size = Int(info.st_size)
    }

    deinit { close(descriptor) }

    /// Reads exactly `count` bytes at `offset` into `buffer`.
    func read(into buffer: UnsafeMutableRawBufferPointer, count: Int, at offset: Int) throws {
        guard offset >= 0, count <= buffer.count, offset + count <= size, let base = buffer.baseAddress else {
            throw LoupeError(.invalidInput, file: path, "read of \(count) bytes at offset \(offset) is past the end (\(size) bytes)")
        }
        var done = 0
        while done < count {
            let n = pread(descriptor, base + done, count - done, off_t(offset + done))
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw LoupeError(.io, file: path, "read failed at offset \(offset + done)") }
            done += n
        }
    }

    /// Reads `count` bytes at `offset` into a new array.
    func read(count: Int, at offset: Int) throws -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        try bytes.withUnsafeMutableBytes { try read(into: $0, count: count, at: offset) }
        return bytes
    }
}

/// A stable 64-bit FNV-1a hash, used for dataset fingerprints.
///
/// Not cryptographic: it detects changed, added, removed or renamed files between runs, not tampering.
public struct FingerprintHasher: Sendable {
    private(set) var state: UInt64 = 0xCBF2_9CE4_8422_2325

    public init() {}

    /// Mixes in bytes.
    public mutating func combine<S: Sequence>(bytes: S) where S.Element == UInt8 {
        for byte in bytes {
            state ^= UInt64(byte)
            state = state &* 0x0000_0100_0000_01B3
        }
    }

    /// Mixes in a string followed by a separator byte.
    public mutating func combine(_ text: String) {
        combine(bytes: text.utf8)
        combine(bytes: [0])
    }

    /// Mixes in an integer (little-endian 8 bytes).
    public mutating func combine(_ value: Int) {
        combine(bytes: withUnsafeBytes(of: Int64(value).littleEndian) { Array($0) })
    }

    /// Mixes in a file's name (as given), size and modification time in whole seconds.
    public mutating func combine(fileAt path: String, name: String) {
        combine(name)
        let attributes = try? FileManager.default.attributesOfItem(atPath: path)
        combine((attributes?[.size] as? NSNumber)?.intValue ?? -1)
        combine(Int((attributes?[.modificationDate] as? Date)?.timeIntervalSince1970 ?? -1))
    }

    /// The fingerprint of a dataset read from files: its kind, preprocessing, class names (when they
    /// belong to the fingerprint) and each file's name, size and modification time, in order.
    static func dataset(kind: String, preprocessing: Preprocessing, classNames: [String]?,
                        files: [(path: String, name: String)]) -> String {
        var hasher = FingerprintHasher()
        hasher.combine(kind)
        hasher.combine(String(describing: preprocessing))
        if let classNames { hasher.combine(classNames.joined(separator: "\n")) }
        for file in files { hasher.combine(fileAt: file.path, name: file.name) }
        return hasher.hexDigest
    }

    /// The hash as `fnv1a64:` and 16 hexadecimal digits.
    public var hexDigest: String {
        let hex = String(state, radix: 16)
        return "fnv1a64:" + String(repeating: "0", count: 16 - hex.count) + hex
    }
}
