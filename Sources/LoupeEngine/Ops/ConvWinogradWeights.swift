import Foundation
import LoupeTensor

/// The Winograd-transformed kernels of one `Conv` node, kept between calls.
///
/// A model's weights are the same array on every call, so the transform (`16 x M x C` floats) is done
/// once; the input gradient reads the same transform (`WinogradConvolution.forward(inputGradient:)`). The cache holds a reference to the source array: while
/// it does, that buffer cannot be freed or changed in place (copy-on-write), so an equal base address
/// means equal contents. Any other weight (a new array) replaces the entry.
final class ConvWinogradWeights: @unchecked Sendable {
    private struct Entry {
        var source: [Float]
        var transformed: [Float]
    }

    private let lock = NSLock()
    private var entry: Entry?

    /// The transformed kernel of `weight` (`[M, C, 3, 3]`).
    func transformed(_ weight: Tensor) -> [Float] {
        lock.lock()
        defer { lock.unlock() }
        if let cached = entry, cached.source.count == weight.scalars.count,
           Self.address(cached.source) == Self.address(weight.scalars) {
            return cached.transformed
        }
        let (m, c) = (weight.shape[0], weight.shape[1])
        var result = [Float](repeating: 0, count: WinogradConvolution.transformedCount(outChannels: m, inChannels: c))
        weight.scalars.withUnsafeBufferPointer { w in
            result.withUnsafeMutableBufferPointer { u in
                if let wBase = w.baseAddress, let uBase = u.baseAddress {
                    WinogradConvolution.transformWeights(wBase, outChannels: m, inChannels: c, into: uBase)
                }
            }
        }
        entry = Entry(source: weight.scalars, transformed: result)
        return result
    }

    private static func address(_ array: [Float]) -> UnsafeRawPointer? {
        array.withUnsafeBufferPointer { UnsafeRawPointer($0.baseAddress) }
    }
}
