import LoupeONNX
import LoupeTensor

/// Where the images of a batch sit in one value of a planned graph.
enum BatchRole: Equatable {
    /// The same for every image: constants, and values made from constants alone.
    case free
    /// Carries the batch on this axis: its extent is `outer` runs of (image 0's entries, image 1's, ...),
    /// each image's entries contiguous within a run. With `outer` 1, images are outermost.
    case axis(Int, outer: Int)
    /// A constant folded from the batch size (a `Shape` result, a reshape target): fit only as a shape argument.
    case shapeArgument
}

/// The proof that a graph keeps the images of a batch apart, so that slices of the batch may run
/// side by side and their results, joined, are the whole batch's results.
///
/// Made from two plans of the same graph: for the whole batch and for a slice of it. A value's
/// batch axis is the one axis whose extent scales with the batch (by a whole number of entries per
/// image); how the images interleave within it follows from the steps, in order, starting from
/// inputs with images outermost. Every step's operator must keep the images apart along that axis, by a rule per
/// operator type: elementwise operators broadcast it, convolutions and pools need it first,
/// reshapes keep the extent before it, softmax and normalisations do not normalise over it,
/// matrix products keep it out of the contracted axis, and concatenations, slices, splits and
/// gathers work along other axes. An operator without a rule, or a value that breaks one, leaves
/// the graph inseparable, and the batch runs whole.
struct BatchSeparation {
    /// The role of every value of the whole-batch plan.
    let roles: [String: BatchRole]

    /// The separation of `model`'s graph between plans for `whole` and `slice` images, or nil when
    /// the graph mixes images (or the analysis cannot show that it does not).
    init?(model: Model, whole: Plan, slice: Plan, wholeBatch: Int, sliceBatch: Int) {
        guard wholeBatch > sliceBatch, sliceBatch > 0 else { return nil }
        var roles = [String: BatchRole]()
        for (name, facts) in whole.facts {
            guard let other = slice.facts[name],
                  let role = Self.role(facts, other, wholeBatch: wholeBatch, sliceBatch: sliceBatch) else { return nil }
            roles[name] = role
        }
        for input in model.graph.inputs where roles[input.name] != .axis(0, outer: 1) { return nil }
        var rules = BatchRules(graph: model.graph, plan: whole, images: wholeBatch, roles: roles)
        for step in whole.steps {
            let node = model.graph.nodes[step.nodeIndex]
            guard let outer = rules.outerOfOutputs(node) else { return nil }
            for output in node.outputs {
                if case .axis(let a, _)? = rules.roles[output] { rules.roles[output] = .axis(a, outer: outer) }
            }
        }
        self.roles = rules.roles
    }

    /// The axis each of `names` is joined along from the slices' values (nil inside: the same value for
    /// every image, taken from any slice), or nil when one of them cannot be joined: a result must hold
    /// the batch along an axis with images outermost, or be the same for all images.
    func joinAxes(_ names: [String]) -> [String: Int?]? {
        var axes = [String: Int?]()
        for name in names {
            switch roles[name] {
            case .axis(let a, outer: 1)?: axes[name] = a
            case .free?: axes[name] = .some(nil)
            default: return nil
            }
        }
        return axes
    }

    /// The role of one value from its facts in the two plans (nil: the value mixes images).
    static func role(_ whole: ValueFacts, _ slice: ValueFacts, wholeBatch: Int, sliceBatch: Int) -> BatchRole? {
        switch (whole.constant, slice.constant) {
        case let (w?, s?):
            if w == s { return .free }
            if w.shape == s.shape { return .shapeArgument }
            // A constant that scales with the batch must be one image's entries repeated (a broadcast).
            guard let axis = scaledAxis(w.shape, s.shape, wholeBatch, sliceBatch) else { return nil }
            let blocks = imageBlocks(w, axis: axis, images: wholeBatch) + imageBlocks(s, axis: axis, images: sliceBatch)
            guard blocks.allSatisfy({ $0 == blocks.first }) else { return nil }
            return .axis(axis, outer: 1)
        case (nil, nil):
            if whole.shape == slice.shape { return .free }
            return scaledAxis(whole.shape, slice.shape, wholeBatch, sliceBatch).map { .axis($0, outer: 1) }
        default:
            return nil
        }
    }

    /// The one axis whose extent is a whole number of entries per image in both shapes, the same
    /// number, with every other axis equal; nil when there is no such axis.
    static func scaledAxis(_ whole: [Int], _ slice: [Int], _ wholeBatch: Int, _ sliceBatch: Int) -> Int? {
        guard whole.count == slice.count else { return nil }
        let differing = whole.indices.filter { whole[$0] != slice[$0] }
        guard differing.count == 1, let axis = differing.first,
              whole[axis] % wholeBatch == 0, slice[axis] % sliceBatch == 0,
              whole[axis] / wholeBatch == slice[axis] / sliceBatch else { return nil }
        return axis
    }

    /// The entries of `value` cut into one block per image along `axis`.
    private static func imageBlocks(_ value: TensorValue, axis: Int, images: Int) -> [[Double]] {
        let shape = value.shape
        let flat: [Double]
        switch value {
        case .float(let t): flat = t.scalars.map(Double.init)
        case .int(let t): flat = t.values.map(Double.init)
        }
        let outer = shape[..<axis].reduce(1, *), perImage = shape[axis] / images * shape[(axis + 1)...].reduce(1, *)
        return (0..<images).map { image in
            (0..<outer).flatMap { o -> ArraySlice<Double> in
                let start = (o * images + image) * perImage
                return flat[start..<(start + perImage)]
            }
        }
    }
}

