import LoupeONNX
import LoupeTensor

/// ONNX `MatMul` with numpy semantics: 1-D operands are promoted (and the added axis removed
/// from the result), leading batch dimensions broadcast.
public struct MatMulOperator: AttributeFreeOperator {
    public static let opType = "MatMul"
    let node: Node

    /// The batched layout and the result shape for these operand shapes.
    struct Plan {
        var layout: BatchedProductLayout
        var shape: [Int]
        var aBatch: [Int]
        var bBatch: [Int]
    }

    func plan(a: [Int], b: [Int]) throws -> Plan {
        guard !a.isEmpty, !b.isEmpty else { throw node.error("operands must not be scalars (shapes \(a) and \(b))") }
        let a2 = a.count == 1 ? [1, a[0]] : a
        let b2 = b.count == 1 ? [b[0], 1] : b
        let (m, k) = (a2[a2.count - 2], a2[a2.count - 1])
        let (kb, n) = (b2[b2.count - 2], b2[b2.count - 1])
        guard k == kb else { throw node.error("inner dimensions differ: A \(a) and B \(b)") }
        let aBatch = Array(a2.dropLast(2)), bBatch = Array(b2.dropLast(2))
        guard let layout = BatchedProductLayout(leftBatch: aBatch, rightBatch: bBatch, m: m, k: k, n: n) else {
            throw node.error("batch dimensions of A \(a) and B \(b) do not broadcast")
        }
        var shape = layout.batchShape
        if a.count > 1 { shape.append(m) }
        if b.count > 1 { shape.append(n) }
        return Plan(layout: layout, shape: shape, aBatch: aBatch, bBatch: bBatch)
    }

    public func inferFacts(_ inputs: [ValueFacts?]) throws -> [ValueFacts] {
        let a = try node.floatFacts(inputs, 0, "A"), b = try node.floatFacts(inputs, 1, "B")
        return [ValueFacts(shape: try plan(a: a.shape, b: b.shape).shape)]
    }

    /// Whether B has no batch dimensions, so all of A's rows form one `[batch*M, K]` matrix.
    private func isFlat(_ p: Plan) -> Bool { p.bBatch.allSatisfy { $0 == 1 } }

    /// Whether A is a matrix whose rows are images (`[N, K]` times a `[K, N']` B, as in a classifier
    /// head or a transformer's class-token rows): then each row is computed alone (`sgemmRowwise`),
    /// so an image's result does not depend on the batch it is in.
    private func isImageRows(_ p: Plan) -> Bool { p.aBatch.isEmpty && p.bBatch.isEmpty }

    public func forward(_ inputs: [TensorValue?]) throws -> [TensorValue] {
        let a = try node.float(inputs, 0, "A"), b = try node.float(inputs, 1, "B")
        let p = try plan(a: a.shape, b: b.shape)
        let l = p.layout
        var y = LinearSupport.uninitialized(try node.count(p.shape))  // every path writes every element
        LinearSupport.borrow(a.scalars, b.scalars, nil, writing: &y) { ap, bp, _, yp in
            if isImageRows(p) {
                sgemmRowwise(transposeB: false, m: l.m, n: l.n, k: l.k, a: ap, lda: l.k, b: bp, ldb: l.n, c: yp, ldc: l.n)
            } else if isFlat(p) {
                sgemm(m: l.count * l.m, n: l.n, k: l.k, a: ap, lda: l.k, b: bp, ldb: l.n, c: yp, ldc: l.n)
            } else {
                batchedMatrixProduct(l, a: ap, b: bp, c: yp)
            }
        }
        return [.float(Tensor(shape: p.shape, scalars: y))]
    }

    public var backwardNeeds: BackwardNeeds { .inputs }

    /// dA reads B and dB reads A: an activation times a weight keeps no activation for saliency.
    public func inputsRead(wanting wanted: [Bool]) -> [Bool] { bilinearInputsRead(wanted) }

    public func backward(_ context: BackwardContext) throws -> [Tensor?] {
        let wantA = context.wants(0), wantB = context.wants(1)
        let (a, b, aShape, bShape) = try context.bilinearOperands()
        let p = try plan(a: aShape, b: bShape)
        let l = p.layout
        let dy = context.gradient(0, shape: p.shape)
        let flat = isFlat(p)
        // Products with beta 0 write every element; broadcast batches accumulate into zeros.
        let aCount = wantA ? aShape.reduce(1, *) : 0, bCount = wantB ? bShape.reduce(1, *) : 0
        var da = flat || isImageRows(p) ? LinearSupport.uninitialized(aCount) : [Float](repeating: 0, count: aCount)
        var db = flat ? LinearSupport.uninitialized(bCount) : [Float](repeating: 0, count: bCount)
        LinearSupport.borrow(a.scalars, b.scalars, dy.scalars, writing: &da, &db) { ap, bp, dyp, dap, dbp in
            if wantA && isImageRows(p) { // dA = dY * B^T, row by row like the forward pass
                sgemmRowwise(transposeB: true, m: l.m, n: l.k, k: l.n, a: dyp, lda: l.n, b: bp, ldb: l.n, c: dap, ldc: l.k)
            } else if wantA && flat { // dA = dY * B^T over all rows at once
                sgemm(transposeB: true, m: l.count * l.m, n: l.k, k: l.n, a: dyp, lda: l.n, b: bp, ldb: l.n,
                      c: dap, ldc: l.k)
            } else if wantA { // broadcast batches accumulate into the same A matrix
                for index in 0..<l.count {
                    sgemm(transposeB: true, m: l.m, n: l.k, k: l.n, a: dyp + index * l.m * l.n, lda: l.n,
                          b: bp + l.rightIndex[index] * l.k * l.n, ldb: l.n, beta: 1,
                          c: dap + l.leftIndex[index] * l.m * l.k, ldc: l.k)
                }
            }
            if wantB && flat { // dB = A^T * dY over all rows at once
                sgemm(transposeA: true, m: l.k, n: l.n, k: l.count * l.m, a: ap, lda: l.k, b: dyp, ldb: l.n,
                      c: dbp, ldc: l.n)
            } else if wantB {
                for index in 0..<l.count {
                    sgemm(transposeA: true, m: l.k, n: l.n, k: l.m, a: ap + l.leftIndex[index] * l.m * l.k,
                          lda: l.k, b: dyp + index * l.m * l.n, ldb: l.n, beta: 1,
                          c: dbp + l.rightIndex[index] * l.k * l.n, ldc: l.n)
                }
            }
        }
        return [wantA ? Tensor(shape: aShape, scalars: da) : nil, wantB ? Tensor(shape: bShape, scalars: db) : nil]
    }
}
