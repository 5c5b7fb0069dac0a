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
/// (`Fusion`) become oneDNN post-ops. Forward-only runs (`Model.run`) use every chain; gradient runs
/// (`Model.gradients`) use chains with a reverse mode (`DNNLChainGradientProgram`: convolutions,
/// additions, ReLUs and pools), which keep the values their backward reads in oneDNN's layouts.
///
/// Every stage works image by image, so the batch goes through the chain one image at a time: the
/// values in between stay small enough for the caches (MobileNet-V2 at batch 32: 262 images/s against
/// 215 four images at a time and 191 sixteen at a time), and one program serves every batch size. A
/// gradient run's chain takes its whole batch slice at once: ResNet-50's 1x1 convolutions on 7x7 maps are
/// too thin one image at a time (saliency at batch 8: 13.1 to 13.9 images/s against 11.2).
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
    /// Slots the chain reads (plain), in the program's input order, and their shapes.
    let inputSlots: [Int]
    let inputShapes: [[Int]]
    /// Slots the chain writes (plain), in the program's output order, and their shapes.
    let outputSlots: [Int]
    let outputShapes: [[Int]]
    /// The compiled primitives, for `imagesPerRun` images: the batch goes through the chain that many at a time.
    let program: DNNLChainProgram
    /// In gradient runs, the reverse-mode program (its `forward` is `program`).
    let gradient: DNNLChainGradientProgram?
    /// Floats per image of each input and each output.
    let inputImageSizes: [Int], outputImageSizes: [Int]
    /// Images the program takes at once (the batch is a multiple of it).
    let imagesPerRun: Int
    /// Floats per image of each value the backward reads (`DNNLChainGradientProgram.savedBytes`).
    var savedImageSizes: [Int] { gradient?.savedBytes.map { ($0 / imagesPerRun + 3) / 4 } ?? [] }

    /// Whether chains may run (`LOUPE_BLOCKED_CHAINS` and `LOUPE_ONEDNN` are not `0`, and oneDNN started).
    static let isEnabled: Bool = {
        let environment = ProcessInfo.processInfo.environment
        return environment["LOUPE_BLOCKED_CHAINS"] != "0" && environment["LOUPE_ONEDNN"] != "0" && DNNLConvolution.isAvailable
    }()

    /// Convolution multiply-adds per image a chain needs before it is used (2^24: ImageNet CNNs pass,
    /// the small fixtures do not; tests pass a lower bound to exercise chains on small graphs).
    static let minimumMultiplyAddsPerImage = 1 << 24

    /// The bound for gradient runs (2^28: ResNet-50 and ResNet-18 at 224 px pass, the 64-px ResNet-18
    /// fixture, 0.15 G, does not). oneDNN rounds differently, and along an Integrated Gradients path a
    /// ReLU whose input is within rounding of 0 can flip: on that fixture the attributions stood 2.5e-3
    /// of their scale from captum's, against a tolerance of 1e-3 (Loupe's kernels: 0.75e-3). ResNet-50
    /// saliency gains 1.12x (BENCHMARKS.md).
    static let minimumGradientMultiplyAddsPerImage = 1 << 28

    /// Runs the chain: reads its inputs from `slots`, writes its outputs there; returns the values its
    /// backward reads, for the whole batch (empty outside gradient runs).
    func run(_ slots: inout [TensorValue?], graph: Graph) throws -> [[Float]] {
        var inputs = [Tensor]()
        for slot in inputSlots {
            guard case .float(let tensor)? = slots[slot] else {
                throw LoupeError(.computation, file: graph.sourcePath, location: "oneDNN chain at step \(first)",
                                 "an input of the chain is missing or not float")
            }
            inputs.append(tensor)
        }
        let batch = inputs.first?.shape.first ?? 0
        let sizes = outputImageSizes + savedImageSizes
        var outputs = outputShapes.map { LinearSupport.uninitialized($0.reduce(1, *)) }
            + savedImageSizes.map { LinearSupport.uninitialized($0 * batch) }
        try runImages(program, batch: batch, inputs: inputs.map(\.scalars), inputSizes: inputImageSizes, outputs: &outputs,
                      outputSizes: sizes, graph: graph)
        for (index, slot) in outputSlots.enumerated() {
            slots[slot] = .float(Tensor(shape: outputShapes[index], scalars: outputs[index]))
        }
        return Array(outputs.dropFirst(outputSlots.count))
    }

    /// The gradients of the chain's inputs from those of its outputs (nil: zero) and the values `run` saved.
    func backward(_ outputGradients: [Tensor?], saved: [[Float]], graph: Graph) throws -> [Tensor] {
        guard let gradient else {
            throw LoupeError(.computation, file: graph.sourcePath, location: "oneDNN chain at step \(first)",
                             "the chain was compiled without a reverse mode")
        }
        let batch = inputShapes.first?.first ?? 0
        let incoming = zip(outputGradients, outputShapes).map { $0?.scalars ?? [Float](repeating: 0, count: $1.reduce(1, *)) }
        var outputs = inputImageSizes.map { LinearSupport.uninitialized(batch * $0) }
        try runImages(gradient.backward, batch: batch, inputs: incoming + saved, inputSizes: outputImageSizes + savedImageSizes,
                      outputs: &outputs, outputSizes: inputImageSizes, graph: graph)
        return zip(outputs, inputShapes).map { values, shape in Tensor(shape: shape, scalars: values) }
    }

    /// Runs `program` over whole-batch arrays, `imagesPerRun` images at a time (`inputSizes`/`outputSizes`: floats an image).
    private func runImages(_ program: DNNLChainProgram, batch: Int, inputs: [[Float]], inputSizes: [Int],
                           outputs: inout [[Float]], outputSizes: [Int], graph: Graph) throws {
        guard imagesPerRun > 0, batch % imagesPerRun == 0 else {
            throw LoupeError(.computation, file: graph.sourcePath, location: "oneDNN chain at step \(first)",
                             "a batch of \(batch) for a chain taking \(imagesPerRun) images at a time")
        }
        let ok = withPointers(inputs, &outputs) { reading, writing in
            stride(from: 0, to: batch, by: imagesPerRun).allSatisfy { image in
                program.run(inputs: zip(reading, inputSizes).map { $0 + image * $1 },
                            outputs: zip(writing, outputSizes).map { $0 + image * $1 })
            }
        }
        guard ok else {
            throw LoupeError(.computation, file: graph.sourcePath, location: "oneDNN chain at step \(first)",
                             "oneDNN failed to run the chain")
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
    /// With `gradients`, the chains of a gradient run: each with a reverse mode (`BlockedChain.gradient`).
    func blockedChains(plan: Plan, pinned: [Bool], fuse: Bool, minimum: Int? = nil, gradients: Bool = false) -> [Int: BlockedChain] {
        let minimum = minimum ?? (gradients ? BlockedChain.minimumGradientMultiplyAddsPerImage : BlockedChain.minimumMultiplyAddsPerImage)
        guard BlockedChain.isEnabled else { return [:] }
        let threads = Parallel.workerCount
        let shapes = graph.inputs.flatMap { (plan.inputShapes[$0.name] ?? []) + [-1] }
        let key = shapes + pinned.indices.filter { pinned[$0] } + [-2, threads, fuse ? 1 : 0, minimum, gradients ? 1 : 0]
        return chainCache.value(key) { () -> [Int: BlockedChain]? in
            BlockedChainFinder(model: self, plan: plan, pinned: pinned, fuse: fuse, minimum: minimum, gradients: gradients)
                .chains(threads: threads)
        } ?? [:]
    }
}
