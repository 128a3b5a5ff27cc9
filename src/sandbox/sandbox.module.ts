import { Module } from '@nestjs/common';
import { RequestRecorder } from '../common/request-recorder';
import { FaultInterceptor } from './fault.interceptor';
import { RequestLogService } from './request-log.service';
import { SandboxController } from './sandbox.controller';
import { SandboxService } from './sandbox.service';

/** The sandbox control plane (CONTRACT §6): faults, the request log, the per-account reset. */
@Module({
  controllers: [SandboxController],
  providers: [SandboxService, RequestLogService, FaultInterceptor, { provide: RequestRecorder, useExisting: RequestLogService }],
  exports: [RequestRecorder, FaultInterceptor],
})
export class SandboxModule {}
