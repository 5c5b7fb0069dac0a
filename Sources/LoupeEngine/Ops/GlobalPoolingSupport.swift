import LoupeONNX
import LoupeTensor

/// The shared body of `GlobalAveragePool` and `GlobalMaxPool`: one value per channel plane.
///
/// A conforming op only says whether it takes the maximum (gradient to the first maximum) or the
/// mean (a uniform share of the gradient).
protocol GlobalPoolingOperator: Operator {
    /// True for the maximum of each plane, false for its mean.
    static var takesMaximum: Bool { get }
    var node: Node { get }
}

extension GlobalPoolingOperator {
    /// Output shape, planes and plane size for an input shape.
    func plan(_ input: [Int]) throws -> (shape: [Int], planes: Int, plane: Int) {
        guard input.count >= 3 else { throw node.error("expects an [N, C, spatial...] input, got shape \(input)") }
        let plane = try node.count(Array(input[2...]))
        return ([input[0], input[1]] + [Int](repeating: 1, count: input.count - 2), input[0] * input[1], plane)
    }

    public func inferFacts(_ inputs: [ValueFacts?]) throws -> [ValueFacts] {
        [ValueFacts(shape: try plan(try node.floatFacts(inputs, 0, "X").shape).shape)]
    }

    public func forward(_ inputs: [TensorValue?]) throws -> [TensorValue] {
        let x = try node.float(inputs, 0, "X")
        let p = try plan(x.shape)
        var y = [Float](repeating: 0, count: p.planes)
        LinearSupport.read(x.scalars) { xp in
            LinearSupport.write(&y) { yp in
                GlobalPooling.reduce(xp, planes: p.planes, plane: p.plane, max: Self.takesMaximum, output: yp)
            }
        }
        return [.float(Tensor(shape: p.shape, scalars: y))]
    }

    public var backwardNeeds: BackwardNeeds { .inputs }

    public func backward(_ context: BackwardContext) throws -> [Tensor?] {
        guard context.wants(0) else { return [nil] }
        let x = try context.floatInput(0)
        let p = try plan(x.shape)
        let dy = context.gradient(0, shape: p.shape)
        var dx = [Float](repeating: 0, count: x.count)
        LinearSupport.borrow(x.scalars, dy.scalars, nil, writing: &dx) { xp, dyp, _, dxp in
            GlobalPooling.backward(xp, gradOutput: dyp, planes: p.planes, plane: p.plane, max: Self.takesMaximum, gradInput: dxp)
        }
        return [Tensor(shape: x.shape, scalars: dx)]
    }
}
