import Foundation
import LoupeONNX
import LoupeTensor

/// A stretch of plan steps that oneDNN runs in its blocked layouts, reordered only at the edges.
///
/// Loupe's own tensors are plain NCHW, and a oneDNN convolution given plain buffers spends more
/// time reordering into and out of its `nChw16c` layout than it saves. Inside a chain of
/// convolutions, additions, multiplications, global average pools and elementwise functions, the
/// values pass from one oneDNN primitive to the next in that layout; only the values read outside
/// the chain (by other steps, as taps, as graph outputs) are reordered back. Fused elementwise tails
/// (`Fusion`) become oneDNN post-ops. Chains serve forward-only runs (`Model.run`); gradient runs
/// keep Loupe's kernels, whose saved values the backward passes read.
///
/// Every stage works image by image, so the batch goes through the chain one image at a time: the
/// values in between stay small enough for the caches (MobileNet-V2 at batch 32: 262 images/s against
/// 215 four images at a time and 191 sixteen at a time), and one program serves every batch size.
///
/// A chain is used when it holds at least two convolutions and enough of their work per image
/// (`minimumMultiplyAddsPerImage`) to outweigh its edges; small models keep Loupe's kernels. oneDNN
/// rounds differently from Loupe's kernels (results agree to about 1e-6 relative), but for one
/// worker count the same bytes come out on every run. `LOUPE_BLOCKED_CHAINS=0` (or
/// `LOUPE_ONEDNN=0`) turns chains off.
struct BlockedChain {
    /// The first and last plan steps the chain replaces.
    let first: Int, last: Int
    /// Every step the chain replaces: the stretch, and fused tails read only inside it.
    let replacedSteps: [Int]
    /// Slots the chain reads (plain), in the program's input order.
    let inputSlots: [Int]
    /// Slots the chain writes (plain), in the program's output order, and their shapes.
    let outputSlots: [Int]
    let outputShapes: [[Int]]
    /// The compiled primitives, for one image: the batch goes through the chain image by image.
    let program: DNNLChainProgram
    /// Floats per image of each input and each output.
    let inputImageSizes: [Int], outputImageSizes: [Int]

    /// Whether chains may run (`LOUPE_BLOCKED_CHAINS` and `LOUPE_ONEDNN` are not `0`, and oneDNN started).
    static let isEnabled: Bool = {
        let environment = ProcessInfo.processInfo.environment
        return environment["LOUPE_BLOCKED_CHAINS"] != "0" && environment["LOUPE_ONEDNN"] != "0" && DNNLConvolution.isAvailable
    }()

    /// Convolution multiply-adds per image a chain needs before it is used (2^24: ImageNet CNNs pass,
    /// the small fixtures do not; tests pass a lower bound to exercise chains on small graphs).
    static let minimumMultiplyAddsPerImage = 1 << 24


    /// Runs the chain: reads its inputs from `slots`, writes its outputs there.
    func run(_ slots: inout [TensorValue?], graph: Graph) throws {
        var inputs = [Tensor]()
        for slot in inputSlots {
            guard case .float(let tensor)? = slots[slot] else {
                throw LoupeError(.computation, file: graph.sourcePath, location: "oneDNN chain at step \(first)",
                                 "an input of the chain is missing or not float")
            }
            inputs.append(tensor)
        }
        var outputs = outputShapes.map { LinearSupport.uninitialized($0.reduce(1, *)) }
        let batch = inputs.first?.shape.first ?? 0
        let ok = withPointers(inputs.map(\.scalars), &outputs) { reading, writing in
            (0..<batch).allSatisfy { image in
                program.run(inputs: zip(reading, inputImageSizes).map { $0 + image * $1 },
                            outputs: zip(writing, outputImageSizes).map { $0 + image * $1 })
            }
        }
        guard ok else {
            throw LoupeError(.computation, file: graph.sourcePath, location: "oneDNN chain at step \(first)",
                             "oneDNN failed to run the chain")
        }
        for (index, values) in outputs.enumerated() {
            slots[outputSlots[index]] = .float(Tensor(shape: outputShapes[index], scalars: values))
        }
    }

    /// `body` with pointers to every array of `inputs` and `outputs`, valid together.
    ///
    /// Nested `withUnsafe...BufferPointer` calls, one per array; each output is moved out of the array
    /// while its pointer is lent, so no copy is made and no two accesses to `outputs` overlap.
    private func withPointers(_ inputs: [[Float]], _ outputs: inout [[Float]],
                              _ body: ([UnsafePointer<Float>], [UnsafeMutablePointer<Float>]) -> Bool) -> Bool {
        func lendOutputs(from j: Int, _ reading: [UnsafePointer<Float>], _ writing: [UnsafeMutablePointer<Float>],
                         _ outputs: inout [[Float]]) -> Bool {
            if j == outputs.count { return body(reading, writing) }
            var lent = outputs[j]
            outputs[j] = []
            defer { outputs[j] = lent }
            return lent.withUnsafeMutableBufferPointer { buffer in
                guard let base = buffer.baseAddress else { return false }
                return lendOutputs(from: j + 1, reading, writing + [base], &outputs)
            }
        }
        func lendInputs(from i: Int, _ reading: [UnsafePointer<Float>], _ outputs: inout [[Float]]) -> Bool {
            if i == inputs.count { return lendOutputs(from: 0, reading, [], &outputs) }
            return inputs[i].withUnsafeBufferPointer { buffer in
                guard let base = buffer.baseAddress else { return false }
                return lendInputs(from: i + 1, reading + [base], &outputs)
            }
        }
        return lendInputs(from: 0, [], &outputs)
    }
}

extension Model {
    /// The chains of a forward-only run of `plan` with these values pinned, keyed by their first step
    /// (found and compiled once per plan, pinned set, fusion switch and thread count).
    func blockedChains(plan: Plan, pinned: [Bool], fuse: Bool,
                       minimum: Int = BlockedChain.minimumMultiplyAddsPerImage) -> [Int: BlockedChain] {
        guard BlockedChain.isEnabled else { return [:] }
        let threads = Parallel.workerCount
        let shapes = graph.inputs.flatMap { (plan.inputShapes[$0.name] ?? []) + [-1] }
        let key = shapes + pinned.indices.filter { pinned[$0] } + [-2, threads, fuse ? 1 : 0, minimum]
        return chainCache.value(key) { () -> [Int: BlockedChain]? in
            BlockedChainFinder(model: self, plan: plan, pinned: pinned, fuse: fuse, minimum: minimum).chains(threads: threads)
        } ?? [:]
    }
}
