import Foundation

/// Runs a compiled expression tree against a frame of slot values.
///
/// Missing members and out-of-range indexes give `null`. Arithmetic on `null` gives `null`; `+` with text
/// treats `null` as empty text. Type errors throw, naming the operator or function and the offending value.
enum Evaluator {
    static func evaluate(_ expr: Expr, _ frame: inout [JSONValue]) throws(EvaluationError) -> JSONValue {
        switch expr {
        case .literal(let value, _):
            return value
        case .slot(let slot, _):
            return frame[slot]
        case .member(let base, let key, _):
            return try evaluate(base, &frame)[key]
        case .index(let base, let indexExpr, _):
            let container = try evaluate(base, &frame)
            let index = try evaluate(indexExpr, &frame)
            switch (container, index) {
            case (.array, .number(let n)):
                guard n == n.rounded(), abs(n) < 1e15 else { return .null }
                return container[Int(n)]
            case (.object(let o), .string(let key)):
                return o[key] ?? .null
            default:
                return .null
            }
        case .array(let elements, _):
            var out: [JSONValue] = []
            out.reserveCapacity(elements.count)
            for e in elements { out.append(try evaluate(e, &frame)) }
            return .array(out)
        case .object(let members, _):
            var out = [String: JSONValue](minimumCapacity: members.count)
            for m in members { out[m.key] = try evaluate(m.value, &frame) }
            return .object(out)
        case .unary(.not, let operand, _):
            return .bool(!(try evaluate(operand, &frame).isTruthy))
        case .unary(.negate, let operand, let span):
            switch try evaluate(operand, &frame) {
            case .null: return .null
            case .number(let n): return .number(-n)
            case let other:
                throw EvaluationError(
                    message: "'-' needs a number, got \(other.typeName) \(other.shortText)", span: span)
            }
        case .binary(let op, let l, let r, let span):
            return try binary(op, try evaluate(l, &frame), try evaluate(r, &frame), span)
        case .and(let l, let r, _):
            let left = try evaluate(l, &frame)
            return left.isTruthy ? try evaluate(r, &frame) : left
        case .or(let l, let r, _):
            let left = try evaluate(l, &frame)
            return left.isTruthy ? left : try evaluate(r, &frame)
        case .coalesce(let l, let r, _):
            let left = try evaluate(l, &frame)
            return left.isNull ? try evaluate(r, &frame) : left
        case .conditional(let c, let t, let f, _):
            return try evaluate(c, &frame).isTruthy ? try evaluate(t, &frame) : try evaluate(f, &frame)
        case .builtin(let function, let arguments, let span):
            return try call(function, arguments, span, &frame)
        case .name(let name, let span), .call(let name, let span, _, _):
            throw EvaluationError(message: "'\(name)' was not resolved (internal error)", span: span)
        case .lambda(_, _, _, let span):
            throw EvaluationError(message: "a lambda is not a value", span: span)
        }
    }

    private static func call(
        _ function: BuiltinFunction, _ arguments: [Expr], _ span: Span, _ frame: inout [JSONValue]
    ) throws(EvaluationError) -> JSONValue {
        switch function.body {
        case .plain(let body):
            var values: [JSONValue] = []
            values.reserveCapacity(arguments.count)
            for a in arguments { values.append(try evaluate(a, &frame)) }
            let result: JSONValue
            do {
                result = try body(values)
            } catch {
                throw EvaluationError(message: "\(function.name): \(error.message)", span: span)
            }
            if result.isNull, let dropped = function.dropped, let collector = DroppedValues.current,
                let message = dropped(values)
            {
                collector.note("\(function.name): \(message)", offset: span.offset)
            }
            return result
        case .lambda(let body):
            let subject = try evaluate(arguments[0], &frame)
            guard case .lambda(_, let slots, let lambdaBody, _) = arguments[1], let slot = slots.first else {
                throw EvaluationError(message: "\(function.name) needs a lambda", span: span)
            }
            do {
                return try body(subject) { value in
                    frame[slot] = value
                    return try evaluate(lambdaBody, &frame)
                }
            } catch let error as EvaluationError {
                throw error
            } catch let error as FunctionError {
                throw EvaluationError(message: "\(function.name): \(error.message)", span: span)
            } catch {
                throw EvaluationError(message: "\(function.name): \(error)", span: span)
            }
        }
    }

    static func binary(
        _ op: Expr.BinaryOperator, _ l: JSONValue, _ r: JSONValue, _ span: Span
    ) throws(EvaluationError) -> JSONValue {
        func typeError() -> EvaluationError {
            EvaluationError(
                message:
                    "'\(op.rawValue)' cannot combine \(l.typeName) \(l.shortText) and \(r.typeName) \(r.shortText)",
                span: span)
        }
        switch op {
        case .equal: return .bool(l == r)
        case .notEqual: return .bool(l != r)
        case .add:
            switch (l, r) {
            case (.number(let a), .number(let b)): return .number(a + b)
            case (.array(let a), .array(let b)): return .array(a + b)
            case (.string, _), (_, .string):
                guard let a = concatenable(l), let b = concatenable(r) else { throw typeError() }
                return .string(a + b)
            case (.null, _), (_, .null): return .null
            default: throw typeError()
            }
        case .subtract, .multiply, .divide, .remainder:
            switch (l, r) {
            case (.number(let a), .number(let b)):
                switch op {
                case .subtract: return .number(a - b)
                case .multiply: return .number(a * b)
                case .divide:
                    guard b != 0 else { throw EvaluationError(message: "division by zero", span: span) }
                    return .number(a / b)
                default:
                    guard b != 0 else { throw EvaluationError(message: "remainder of a division by zero", span: span) }
                    return .number(a.truncatingRemainder(dividingBy: b))
                }
            case (.null, .null), (.null, .number), (.number, .null): return .null
            default: throw typeError()
            }
        case .less, .lessEqual, .greater, .greaterEqual:
            let order: ComparisonResult
            switch (l, r) {
            case (.number(let a), .number(let b)):
                order = a < b ? .orderedAscending : (a > b ? .orderedDescending : .orderedSame)
            case (.string(let a), .string(let b)):
                order = a < b ? .orderedAscending : (a > b ? .orderedDescending : .orderedSame)
            case (.null, _), (_, .null): return .bool(false)
            default: throw typeError()
            }
            switch op {
            case .less: return .bool(order == .orderedAscending)
            case .lessEqual: return .bool(order != .orderedDescending)
            case .greater: return .bool(order == .orderedDescending)
            default: return .bool(order != .orderedAscending)
            }
        }
    }

    private static func concatenable(_ v: JSONValue) -> String? {
        switch v {
        case .null: ""
        case .string(let s): s
        case .number(let n): JSONValue.format(number: n)
        case .bool(let b): b ? "true" : "false"
        default: nil
        }
    }
}
