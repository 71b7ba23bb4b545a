"""Speech: offline transcription of calls (语音自动转写, 国办发〔2022〕12号 三(一))."""
