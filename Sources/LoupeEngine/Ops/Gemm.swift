import LoupeONNX
import LoupeTensor

/// ONNX `Gemm`: `Y = alpha * op(A) * op(B) + beta * C`, C broadcast unidirectionally to `[M, N]`.
public struct GemmOperator: Operator {
    public static let opType = "Gemm"
    let node: Node
    let transA: Bool
    let transB: Bool
    let alpha: Float
    let beta: Float

    /// (M, K, N) for these shapes, validating C's broadcast.
    func plan(a: [Int], b: [Int], c: [Int]?) throws -> (m: Int, k: Int, n: Int) {
        guard a.count == 2, b.count == 2 else { throw node.error("A \(a) and B \(b) must both be 2-D") }
        let (m, k) = transA ? (a[1], a[0]) : (a[0], a[1])
        let (kb, n) = transB ? (b[1], b[0]) : (b[0], b[1])
        guard k == kb else {
            throw node.error("inner dimensions differ: op(A) is [\(m), \(k)] but op(B) is [\(kb), \(n)]")
        }
        if let c {
            let full = [Int](repeating: 1, count: max(0, 2 - c.count)) + c
            guard c.count <= 2, full[0] == 1 || full[0] == m, full[1] == 1 || full[1] == n else {
                throw node.error("C \(c) does not broadcast to [\(m), \(n)]")
            }
        }
        return (m, k, n)
    }

    public func inferFacts(_ inputs: [ValueFacts?]) throws -> [ValueFacts] {
        let a = try node.floatFacts(inputs, 0, "A"), b = try node.floatFacts(inputs, 1, "B")
        let c = inputs.count > 2 ? inputs[2] : nil
        let (m, _, n) = try plan(a: a.shape, b: b.shape, c: c?.shape)
        return [ValueFacts(shape: [m, n])]
    }

    /// C broadcast to `[m, n]` (row stride, column stride) in elements.
    private func strides(of c: [Int], m: Int, n: Int) -> (Int, Int) {
        let full = [Int](repeating: 1, count: max(0, 2 - c.count)) + c
        return (full[0] == 1 ? 0 : full[1], full[1] == 1 ? 0 : 1)
    }

    public func forward(_ inputs: [TensorValue?]) throws -> [TensorValue] {
        let a = try node.float(inputs, 0, "A"), b = try node.float(inputs, 1, "B")
        let c = node.optional(inputs, 2)?.asFloat
        let (m, k, n) = try plan(a: a.shape, b: b.shape, c: c?.shape)
        var y = [Float](repeating: 0, count: try node.count([m, n]))
        var accumulate: Float = 0
        if let c, beta != 0 {
            let (rs, cs) = strides(of: c.shape, m: m, n: n)
            for i in 0..<m {
                for j in 0..<n { y[i * n + j] = beta * c.scalars[i * rs + j * cs] }
            }
            accumulate = 1
        }
        LinearSupport.borrow(a.scalars, b.scalars, nil, writing: &y) { ap, bp, _, yp in
            if transA {
                sgemm(transposeA: true, transposeB: transB, m: m, n: n, k: k, alpha: alpha,
                      a: ap, lda: a.shape[1], b: bp, ldb: b.shape[1], beta: accumulate, c: yp, ldc: n)
            } else { // rows are images: each row's result must not depend on the batch
                sgemmRowwise(transposeB: transB, m: m, n: n, k: k, alpha: alpha,
                             a: ap, lda: a.shape[1], b: bp, ldb: b.shape[1], beta: accumulate, c: yp, ldc: n)
            }
        }
        return [.float(Tensor(shape: [m, n], scalars: y))]
    }

    public var backwardNeeds: BackwardNeeds { .inputs }

    /// dA reads B, dB reads A and dC reads nothing but C's shape.
    public func inputsRead(wanting wanted: [Bool]) -> [Bool] { bilinearInputsRead(wanted) }

    public func backward(_ context: BackwardContext) throws -> [Tensor?] {
        let wantA = context.wants(0), wantB = context.wants(1)
        let (a, b, aShape, bShape) = try context.bilinearOperands()
        let cShape = context.hasInput(2) ? try context.inputShape(2) : nil
        let (m, k, n) = try plan(a: aShape, b: bShape, c: cShape)
        let dy = context.gradient(0, shape: [m, n])
        var da = [Float](repeating: 0, count: wantA ? aShape.reduce(1, *) : 0)
        var db = [Float](repeating: 0, count: wantB ? bShape.reduce(1, *) : 0)
        LinearSupport.borrow(a.scalars, b.scalars, dy.scalars, writing: &da, &db) { ap, bp, dyp, dap, dbp in
            if wantA && transA { // A is [K, M]: dA = alpha * op(B) * dY^T
                sgemm(transposeA: transB, transposeB: true, m: k, n: m, k: n, alpha: alpha,
                      a: bp, lda: bShape[1], b: dyp, ldb: n, c: dap, ldc: m)
            } else if wantA { // A is [M, K]: dA = alpha * dY * op(B)^T, row by row like the forward pass
                sgemmRowwise(transposeB: !transB, m: m, n: k, k: n, alpha: alpha,
                             a: dyp, lda: n, b: bp, ldb: bShape[1], c: dap, ldc: k)
            }
            if wantB && transB { // B is [N, K]: dB = alpha * dY^T * op(A)
                sgemm(transposeA: true, transposeB: transA, m: n, n: k, k: m, alpha: alpha,
                      a: dyp, lda: n, b: ap, ldb: aShape[1], c: dbp, ldc: k)
            } else if wantB { // B is [K, N]: dB = alpha * op(A)^T * dY
                sgemm(transposeA: !transA, transposeB: false, m: k, n: n, k: m, alpha: alpha,
                      a: ap, lda: aShape[1], b: dyp, ldb: n, c: dbp, ldc: n)
            }
        }
        var grads: [Tensor?] = [wantA ? Tensor(shape: aShape, scalars: da) : nil, wantB ? Tensor(shape: bShape, scalars: db) : nil, nil]
        if let cShape, context.wants(2) {
            var dc = Tensor(shape: cShape)
            let (rs, cs) = strides(of: cShape, m: m, n: n)
            for i in 0..<m {
                for j in 0..<n { dc.scalars[i * rs + j * cs] += beta * dy.scalars[i * n + j] }
            }
            grads[2] = dc
        }
        return Array(grads.prefix(max(2, context.inputs.count)))
    }
}

extension GemmOperator {
    public init(node: Node, opset: Int) throws {
        self.init(node: node, transA: try node.int("transA", default: 0) != 0, transB: try node.int("transB", default: 0) != 0,
                  alpha: try node.float("alpha", default: 1), beta: try node.float("beta", default: 1))
    }
}
