/// Calls, SMS and voicemail: usage counts in every state (it is what happened at the carrier).
extension NumberLifecycle {
    static func recordCall(_ call: CallRecord, _ source: EventSource, _ state: inout NumberState.Fields,
                           _ consequences: inout Consequences) -> EventOutcome {
        // A call counts once: with its last CDR, or with a CDR that has no `is_last_cdr` field.
        guard call.isLastCDR != false else { return .ignored(reason: IgnoreReason.notLastCDR) }
        let seconds = call.success ? max(0, call.durationSeconds) : 0
        let month = UsageMonth(containing: source.time)
        let counted = state.facts.usage.record(.call, id: source.eventID, in: month) { usage in
            usage.calls = usage.calls.saturatingAdd(1)
            usage.callSeconds = usage.callSeconds.saturatingAdd(seconds)
        }
        guard case .counted(let before, let after) = counted else { return rejected(counted) }
        consequences.usage += overage(before: before, after: after, month: month, state.facts)
        state.history.record(CallHistoryEntry(cdrID: source.eventID, time: source.time,
                                              durationSeconds: seconds, success: call.success, from: call.from))
        return .applied
    }

    static func recordSMS(_ sms: InboundSMS, _ source: EventSource, _ state: inout NumberState.Fields,
                          _ consequences: inout Consequences) -> EventOutcome {
        let month = UsageMonth(containing: source.time)
        let counted = state.facts.usage.record(.sms, id: source.eventID, in: month) { $0.smsIn = $0.smsIn.saturatingAdd(1) }
        guard case .counted(let before, let after) = counted else { return rejected(counted) }
        consequences.usage += overage(before: before, after: after, month: month, state.facts)
        // Forwarded only if the number is active once this SMS is counted (see `transition`).
        consequences.forwardSMS = Consequences.PendingSMS(id: source.eventID, message: sms, forward: state.forward)
        state.history.record(SMSHistoryEntry(uuid: source.eventID, time: source.time,
                                             from: sms.from, to: sms.to, text: sms.text))
        return .applied
    }

    static func recordVoicemail(_ voicemail: Voicemail, _ source: EventSource, _ state: inout NumberState.Fields,
                                _ consequences: inout Consequences) -> EventOutcome {
        let month = UsageMonth(containing: source.time)
        let counted = state.facts.usage.record(.voicemail, id: source.eventID, in: month) { $0.voicemails = $0.voicemails.saturatingAdd(1) }
        guard case .counted = counted else { return rejected(counted) }
        consequences.notifications.append(.voicemail(voicemailID: source.eventID, from: voicemail.from,
                                                     seconds: voicemail.seconds, recordingURL: voicemail.recordingURL))
        state.history.record(VoicemailHistoryEntry(voicemailID: source.eventID, time: source.time, from: voicemail.from,
                                                   seconds: voicemail.seconds, recordingURL: voicemail.recordingURL))
        return .applied
    }

    private static func rejected(_ outcome: UsageLedger.Outcome) -> EventOutcome {
        switch outcome {
        case .duplicate: .ignored(reason: IgnoreReason.duplicate)
        case .monthClosed: .ignored(reason: IgnoreReason.usageMonthClosed)
        case .counted: .applied
        }
    }
}

extension Int64 {
    /// Counters never trap on absurd provider input; they stop at `Int64.max`.
    func saturatingAdd(_ other: Int64) -> Int64 {
        let (sum, overflow) = addingReportingOverflow(other)
        return overflow ? (other > 0 ? .max : .min) : sum
    }
}
