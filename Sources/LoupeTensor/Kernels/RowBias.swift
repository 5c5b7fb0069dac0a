/// Adds a bias vector to every row of a row-major `rows x columns` matrix in place, then applies `function`
/// (when given) to each sum: a linear layer's bias `Add` and the activation after it, in one pass over the
/// product instead of one pass each and a new array for the sum.
///
/// Each element rounds as the separate steps do: `value + bias[column]` (the `Add`), then the function on
/// that sum (`applyUnaryInPlace`), so the result has the same bytes.
public func addRowBiasInPlace(_ bias: UnsafePointer<Float>, to base: UnsafeMutablePointer<Float>, rows: Int, columns: Int,
                              then function: UnaryFunction?) {
    let loop = RowBiasLoop(base: SendablePointer(base), beside: nil, bias: UncheckedBox(bias), rows: rows, columns: columns)
    if let function { function.withKernel(loop) } else { loop.run(IdentityKernel()) }
}

/// Adds a bias vector to every row of `base` in place, as `addRowBiasInPlace`, and writes `function` of each
/// sum to `result` as well: a gradient run's fused tail beside its head, which keeps the sum for the tail's
/// backward.
public func addRowBiasInPlace(_ bias: UnsafePointer<Float>, to base: UnsafeMutablePointer<Float>, rows: Int, columns: Int,
                              besideInto result: UnsafeMutablePointer<Float>, function: UnaryFunction) {
    function.withKernel(RowBiasLoop(base: SendablePointer(base), beside: SendablePointer(result), bias: UncheckedBox(bias),
                                    rows: rows, columns: columns))
}

/// The identity, for a bias pass without a function after it.
struct IdentityKernel: UnaryKernel {
    @inline(__always) func callAsFunction(_ x: Float) -> Float { x }
}

/// The row loop of `addRowBiasInPlace`, specialised per function; rows are spread over the workers.
struct RowBiasLoop: UnaryKernelLoop {
    let base: SendablePointer<Float>
    let beside: SendablePointer<Float>?
    let bias: UncheckedBox<UnsafePointer<Float>>
    let rows: Int
    let columns: Int

    func run<K: UnaryKernel>(_ kernel: K) {
        guard rows > 0, columns > 0 else { return }
        let (base, beside, bias, columns) = (base, beside, bias.value, columns)
        Parallel.forEachChunk(rows, grain: max(1, 32_768 / columns)) { range in
            for row in range {
                let line = base.base + row * columns
                if let beside {
                    let out = beside.base + row * columns
                    for column in 0..<columns {
                        let sum = line[column] + bias[column]
                        line[column] = sum
                        out[column] = kernel(sum)
                    }
                } else {
                    for column in 0..<columns { line[column] = kernel(line[column] + bias[column]) }
                }
            }
        }
    }
}
