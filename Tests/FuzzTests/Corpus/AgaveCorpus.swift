/// Valid Agave replies, shaped as the Agave emulator (and the real Agave 2.2 API it follows) sends them: the
/// `{"status","message","version","result"}` envelope around files listings, systems, jobs, job outputs, job
/// history, logical files and errors; and the bare OAuth2 token reply.
enum AgaveCorpus {
    static let seeds: [FuzzSeed] = [
        .json("files-listing", """
            {"status":"success","message":null,"version":"2.2.27-r8a9f0d1","result":[
             {"name":".","path":"/home/alice/data","lastModified":"2018-07-10T12:28:01.000-05:00","length":4096,
              "permissions":"ALL","format":"folder","mimeType":"text/directory","type":"dir","system":"data.example.org",
              "_links":{"self":{"href":"https://agave.example.org/files/v2/media/system/data.example.org/home/alice/data"}}},
             {"name":"run-01.h5","path":"/home/alice/data/run-01.h5","lastModified":"2019-01-02T03:04:05.123+00:00",
              "length":1048576,"permissions":"READ_WRITE","format":"raw","mimeType":"application/x-hdf5","type":"file",
              "system":"data.example.org"},
             {"name":"notes.txt","path":"/home/alice/data/notes.txt","lastModified":"2020-02-29T23:59:59Z",
              "length":"512","permissions":"READ","format":"raw","mimeType":"text/plain","type":"file","system":"data.example.org"},
             {"name":"results","path":"/home/alice/data/results","lastModified":"2021-06-01T00:00:00.000-0500",
              "length":0,"permissions":"READ_EXECUTE","format":"folder","mimeType":"text/directory","type":"dir",
              "system":"data.example.org"}]}
            """),
        .json("files-listing", """
            {"status":"success","message":null,"version":"2.2.27","result":[{"name":"big.tar","path":"/big.tar",
             "lastModified":"2018-07-10 12:28:01","length":1.0995116277760E12,"permissions":"NONE","type":"file"}]}
            """),
        .json("files-listing", #"{"status":"success","message":null,"version":"2.2.27","result":[]}"#),
        .json("systems", """
            {"status":"success","message":null,"version":"2.2.27","result":[
             {"id":"data.example.org","name":"Example data store","type":"STORAGE","description":"Project storage",
              "status":"UP","public":false,"default":true,"lastModified":"2017-09-21T16:40:51.000-05:00",
              "_links":{"self":{"href":"https://agave.example.org/systems/v2/data.example.org"}}},
             {"id":"scratch","type":"STORAGE","status":"DOWN"}]}
            """),
        .json("jobs", """
            {"status":"success","message":null,"version":"2.2.27","result":[
             {"id":"6608339420232364520-242ac114-0001-007","name":"wc-test","owner":"alice","appId":"wc-1.00",
              "executionSystem":"hpc.example.org","status":"FINISHED","created":"2018-07-10T12:28:01.000-05:00",
              "startTime":"2018-07-10T12:29:00.000-05:00","endTime":"2018-07-10T12:35:44.000-05:00",
              "_links":{"self":{"href":"https://agave.example.org/jobs/v2/6608339420232364520-242ac114-0001-007"}}},
             {"id":"j-2","name":"queued job","owner":"alice","appId":"wc-1.00","executionSystem":"hpc.example.org",
              "status":"QUEUED","created":"2018-07-11T08:00:00.000-05:00","startTime":null,"endTime":null}]}
            """),
        .json("job-record", """
            {"status":"success","message":"Job retrieved","version":"2.2.27","result":
             {"id":"j-2","name":"queued job","owner":"alice","appId":"wc-1.00","executionSystem":"hpc.example.org",
              "batchQueue":"normal","nodeCount":1,"processorsPerNode":1,"memoryPerNode":1.0,"maxRunTime":"01:00:00",
              "archive":true,"archivePath":"alice/archive/jobs/j-2","archiveSystem":"data.example.org",
              "status":"RUNNING","created":"2018-07-11T08:00:00.000-05:00","submitTime":"2018-07-11T08:00:01.000-05:00",
              "startTime":"2018-07-11T08:01:00.000-05:00","endTime":null,"inputs":{"query1":["agave://data.example.org/in.txt"]},
              "parameters":{"count":3,"verbose":true},"outputPath":"alice/j-2","_links":{"self":{"href":"x"}}}}
            """),
        .json("job-outputs", """
            {"status":"success","message":null,"version":"2.2.27","result":[
             {"name":"wc.out","path":"/alice/archive/jobs/j-2/wc.out","lastModified":"2018-07-10T12:35:44.000-05:00",
              "length":87,"permission":"READ","format":"raw","mimeType":"text/plain","type":"file",
              "_links":{"self":{"href":"https://agave.example.org/jobs/v2/j-2/outputs/media/wc.out"}}},
             {"name":"logs","path":"/alice/archive/jobs/j-2/logs/","lastModified":"2018-07-10T12:35:44.000-05:00",
              "length":4096,"permission":"READ","format":"folder","mimeType":"text/directory","type":"dir"}]}
            """),
        .json("job-history", """
            {"status":"success","message":null,"version":"2.2.27","result":[
             {"status":"PENDING","created":"2018-07-10T12:28:01.000-05:00","createdBy":"alice",
              "description":"Job accepted and queued for submission."},
             {"status":"FINISHED","created":"2018-07-10T12:35:44.000-05:00","createdBy":"alice",
              "description":"Job completed successfully.","progress":{"percent":100,"bytes":[1,2,3]}}]}
            """),
        .json("logical-file", """
            {"status":"success","message":null,"version":"2.2.27","result":{"name":"upload.bin","uuid":"0001-002",
             "owner":"alice","internalUsername":null,"lastModified":"2018-07-10T12:28:01.000-05:00","source":null,
             "path":"/home/alice/upload.bin","status":"STAGING_QUEUED","systemId":"data.example.org","nativeFormat":"raw"}}
            """),
        .json("status", #"{"status":"error","message":"File/folder does not exist","version":"2.2.27","result":null}"#),
        .json("status", #"{"status":"success","message":null,"version":"2.2.27","result":{"anything":[1,"two",{"three":3}]}}"#),
        .json("token", """
            {"scope":"default","token_type":"bearer","expires_in":14400,"refresh_token":"3d9f0c1a2b",
             "access_token":"a1b2c3d4e5f6"}
            """),
        .json("token", #"{"access_token":"abc","expires_in":"3600"}"#),
    ]
}
