import { Module } from '@nestjs/common';
import { CustomersModule } from '../customers/customers.module';
import { ChargesController } from './charges.controller';
import { ChargesService } from './charges.service';

@Module({
  imports: [CustomersModule],
  controllers: [ChargesController],
  providers: [ChargesService],
})
export class ChargesModule {}
