import CDNNL
import Foundation

/// Constants (convolution weights, biases) copied into oneDNN's layouts, shared by the chain programs
/// of one model.
///
/// A model compiles a `DNNLChainProgram` per batch size, thread count and set of tapped values; without
/// sharing, each would hold its own copy of every weight (100 MB for ResNet-50). Entries are keyed
/// by the constant's storage and the layout; each entry keeps the source array alive, so its address
/// cannot be reused by another array while the entry exists. The store lives as long as its model.
public final class DNNLConstantStore: @unchecked Sendable {
    /// A 64-byte-aligned buffer freed with its last holder.
    final class Buffer {
        let pointer: UnsafeMutableRawPointer
        init(bytes: Int) { pointer = UnsafeMutableRawPointer.allocate(byteCount: max(bytes, 64), alignment: 64) }
        deinit { pointer.deallocate() }
    }

    private struct Entry {
        let source: [Float]
        var layout: dnnl_memory_desc_t
        let buffer: Buffer
    }

    private let lock = NSLock()
    private var entries: [UInt: [Entry]] = [:]

    public init() {}

    /// Number of staged constants held (for tests).
    public var count: Int {
        lock.lock()
        defer { lock.unlock() }
        return entries.values.reduce(0) { $0 + $1.count }
    }

    /// The buffer holding `values` in `layout`, made by `fill` on first request.
    func buffer(_ values: [Float], layout: dnnl_memory_desc_t, fill: (UnsafeMutableRawPointer) -> Bool) -> Buffer? {
        let address = values.withUnsafeBufferPointer { UInt(bitPattern: $0.baseAddress) }
        lock.lock()
        defer { lock.unlock() }
        var wanted = layout
        for entry in entries[address] ?? [] where entry.source.count == values.count {
            var known = entry.layout
            if dnnl_memory_desc_equal(&wanted, &known) != 0 { return entry.buffer }
        }
        let made = Buffer(bytes: dnnl_memory_desc_get_size(&wanted))
        guard fill(made.pointer) else { return nil }
        entries[address, default: []].append(Entry(source: values, layout: layout, buffer: made))
        return made
    }
}
